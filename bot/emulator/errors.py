"""Bot API errors in Telegram's own wording, so aiogram raises what it would raise live."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure: becomes ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class EmulatorError(Exception):
    """Misuse of the emulator's control API (unknown message, bad fault, not started...)."""


class UnknownMessageError(EmulatorError, KeyError):
    """The chat has no such message."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "unknown message"


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a specified content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def blocked() -> ApiError:
    return ApiError(403, BLOCKED)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def server_error() -> ApiError:
    return ApiError(500, "Internal Server Error")

"""The HTTP face of the emulator: Telegram's URL layout, request decoding and error envelopes.

Every failure leaves as Telegram's JSON error with the matching HTTP status, never as an aiohttp
traceback page, because aiogram decides which exception to raise from exactly those two things.
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from aiohttp import web

from bot.emulator.api import BotApi, Params, normalize_params
from bot.emulator.errors import (
    ApiError,
    bad_request,
    blocked,
    not_found,
    server_error,
    too_many_requests,
    unauthorized,
)
from bot.emulator.models import ApiCall, UploadedFile
from bot.emulator.state import EmuState

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 60 * 1024 * 1024
_ATTACH = "attach://"


class ApiFailure(NamedTuple):
    """An error the emulator answered a call with (kept for test failure messages)."""

    call: ApiCall
    error_code: int
    description: str


def error_response(error: ApiError) -> web.Response:
    return web.json_response(error.to_api(), status=error.error_code)


async def read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, urlencoded or multipart) into one parameter dict.

    Multipart file parts referenced as ``attach://name`` replace the referencing value.
    """
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        params.update(body)
        return params
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return params
    form = await request.post()
    files: dict[str, UploadedFile] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(
                filename=value.filename or key,
                data=value.file.read(),
                content_type=value.content_type,
            )
        elif isinstance(value, bytes):
            params[key] = value.decode("utf-8", errors="replace")
        else:
            params[key] = value
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith(_ATTACH):
            attached = files.pop(value[len(_ATTACH) :], None)
            if attached is not None:
                params[key] = attached
    for key, upload in files.items():
        params.setdefault(key, upload)
    return params


class ApiServer:
    """aiohttp handlers for ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""

    def __init__(self, state: EmuState, api: BotApi) -> None:
        self.state = state
        self.api = api
        self.failures: list[ApiFailure] = []

    def install(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self.handle_api)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self.handle_file)

    async def handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.state.token:
            return error_response(unauthorized())
        method = request.match_info["method"]
        try:
            raw = await read_params(request)
        except ApiError as error:
            return error_response(error)
        except web.HTTPRequestEntityTooLarge:
            return error_response(ApiError(413, "Request Entity Too Large"))
        except (ValueError, UnicodeDecodeError, OSError) as exc:
            logger.debug("undecodable %s request: %s", method, exc)
            return error_response(bad_request("invalid request body"))
        return await self.call(method, raw)

    async def call(self, method: str, raw: dict[str, Any]) -> web.Response:
        """Run one Bot API call (from a request, or from a webhook's reply)."""
        entry = self.api.lookup(method)
        params = normalize_params(raw)
        call = ApiCall(entry[0] if entry else method, params)
        self.state.calls.append(call)
        self.state.notify()
        if entry is None:
            return self._fail(call, not_found())
        canonical, handler = entry
        try:
            await self._apply_faults(canonical, Params(params))
            result = await handler(Params(params))
        except ApiError as error:
            return self._fail(call, error)
        except Exception:
            logger.exception("emulator failed on %s", canonical)
            return self._fail(call, server_error())
        return web.json_response({"ok": True, "result": result})

    def _fail(self, call: ApiCall, error: ApiError) -> web.Response:
        self.failures.append(ApiFailure(call, error.error_code, error.description))
        return error_response(error)

    async def _apply_faults(self, method: str, params: Params) -> None:
        rules = self.state.take_faults(method, self.api.target_chat(method, params))
        if not rules:
            return
        delay = sum(rule.fault.delay for rule in rules)
        if delay > 0:  # cut short when the emulator stops, so shutdown never waits on it
            await self.state.wait_until(lambda: self.state.stopping, delay)
        for rule in rules:
            kind = rule.fault.kind
            if kind == "429":
                raise too_many_requests(rule.fault.retry_after)
            if kind == "500":
                raise server_error()
            if kind == "403":
                raise blocked()

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.state.token:
            return error_response(unauthorized())
        stored = self.state.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return error_response(not_found())
        return web.Response(body=stored.data, content_type="application/octet-stream")


async def handle_unknown_path(request: web.Request) -> web.StreamResponse:
    return error_response(not_found())

"""reply_markup checks and normalisation, with Telegram's errors for bad buttons."""

from __future__ import annotations

import json
from typing import Any

from bot.emulator.errors import ApiError, bad_request

MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_DECORATION = frozenset({"text", "style", "icon_custom_emoji_id"})
_MARKUP_ERROR = "can't parse reply keyboard markup JSON object"


def _clean(value: Any) -> Any:
    """Drop null fields recursively, the way Telegram echoes objects back."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _inline_button(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    button: dict[str, Any] = {k: _clean(v) for k, v in raw.items() if v is not None}
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not set(button) - _BUTTON_DECORATION:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.strip() or any(c.isspace() for c in url):
            raise bad_request("BUTTON_URL_INVALID")
    return button


def parse_reply_markup(value: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Validate a reply_markup parameter.

    Returns ``(inline, other)``: the normalised inline keyboard (echoed in Message.reply_markup)
    or the reply keyboard / remove / force-reply object (never echoed by Telegram).
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise bad_request(_MARKUP_ERROR) from exc
    if not isinstance(value, dict):
        raise bad_request(_MARKUP_ERROR)
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array'
            )
        return {"inline_keyboard": [[_inline_button(b) for b in row] for row in rows]}, None
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse keyboard button: Field "keyboard" must be of type Array'
            )
        return None, _clean(value)
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return None, _clean(value)
    raise bad_request(_MARKUP_ERROR)


def inline_only(value: Any) -> dict[str, Any] | None:
    """reply_markup of an edit: only an inline keyboard (or nothing) is accepted."""
    inline, other = parse_reply_markup(value)
    if other is not None:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    return inline

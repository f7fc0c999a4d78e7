"""Pure pieces of the emulator: reply_markup checks, image sniffing, faults, message views."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from aiogram.types import Message

from bot.emulator import EmuMessage, Fault, FaultRule, InlineButton, tiny_png
from bot.emulator.api import Params, normalize_params
from bot.emulator.errors import ApiError
from bot.emulator.keyboards import inline_only, parse_reply_markup
from bot.emulator.media import image_size, photo_sizes


def _error(call: Any, *args: Any) -> str:
    with pytest.raises(ApiError) as info:
        call(*args)
    assert info.value.error_code == 400
    return info.value.description


def test_inline_keyboard_is_normalised_without_nulls() -> None:
    inline, other = parse_reply_markup(
        '{"inline_keyboard": [[{"text": "A", "callback_data": "a", "url": null}],'
        ' [{"text": "Site", "url": "https://example.com"}]]}'
    )
    assert other is None
    assert inline == {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}],
            [{"text": "Site", "url": "https://example.com"}],
        ]
    }


def test_callback_data_is_limited_to_64_bytes() -> None:
    ok = {"inline_keyboard": [[{"text": "x", "callback_data": "я" * 32}]]}  # 64 bytes
    assert parse_reply_markup(ok)[0] == ok
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "я" * 32 + "a"}]]}
    assert _error(parse_reply_markup, too_long) == "Bad Request: BUTTON_DATA_INVALID"
    empty = {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}
    assert _error(parse_reply_markup, empty) == "Bad Request: BUTTON_DATA_INVALID"


def test_text_only_inline_button_is_refused() -> None:
    reason = _error(parse_reply_markup, {"inline_keyboard": [[{"text": "x"}]]})
    assert "Text buttons are unallowed in the inline keyboard" in reason


def test_bad_markup_json() -> None:
    reason = _error(parse_reply_markup, "{nope")
    assert reason == "Bad Request: can't parse reply keyboard markup JSON object"
    assert _error(parse_reply_markup, {"something": 1}) == reason


def test_reply_keyboard_is_kept_apart_and_refused_on_edits() -> None:
    markup = {"keyboard": [[{"text": "Да"}]], "resize_keyboard": True}
    assert parse_reply_markup(markup) == (None, markup)
    assert parse_reply_markup({"remove_keyboard": True}) == (None, {"remove_keyboard": True})
    assert _error(inline_only, markup) == "Bad Request: inline keyboard expected"
    assert inline_only(None) is None


def test_image_size_png_gif_jpeg_webp() -> None:
    assert image_size(tiny_png(7, 3)) == (7, 3)
    assert image_size(b"GIF89a" + struct.pack("<HH", 10, 20) + bytes(10)) == (10, 20)
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + bytes(14)
    sof0 = b"\xff\xc0" + struct.pack(">HBHH", 11, 8, 480, 640) + bytes(4)
    assert image_size(b"\xff\xd8" + app0 + sof0) == (640, 480)
    vp8x = b"RIFF" + bytes(4) + b"WEBPVP8X" + bytes(8) + (99).to_bytes(3, "little") * 2
    assert image_size(vp8x) == (100, 100)
    assert image_size(b"not an image") is None


def test_photo_sizes_offer_thumbnails_up_to_1280() -> None:
    assert photo_sizes(50, 40) == [(50, 40)]
    assert photo_sizes(2000, 1000) == [(90, 45), (320, 160), (800, 400), (1280, 640)]


def test_fault_validation_and_matching() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="404")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="times"):
        Fault(kind="429", times=0)
    with pytest.raises(ValueError, match="collection"):
        Fault(kind="500", methods="sendMessage")
    default = FaultRule(fault=Fault(kind="500"), id=1, remaining=None)
    assert default.matches("sendMessage", 5)
    assert default.matches("answerCallbackQuery", None)
    assert not default.matches("getUpdates", None)
    assert not default.matches("getMe", None)
    named = FaultRule(
        fault=Fault(kind="latency", methods=["getUpdates"], chat_id=7), id=2, remaining=1
    )
    assert named.matches("GETUPDATES", 7)
    assert not named.matches("getUpdates", 8)
    named.consume()
    assert named.exhausted
    assert not named.matches("getUpdates", 7)


def test_form_strings_are_decoded() -> None:
    params = normalize_params(
        {
            "chat_id": "42",
            "text": "123",
            "show_alert": "true",
            "reply_markup": '{"inline_keyboard": []}',
            "entities": "[oops",
        }
    )
    assert params == {
        "chat_id": 42,
        "text": "123",
        "show_alert": True,
        "reply_markup": {"inline_keyboard": []},
        "entities": "[oops",
    }
    reader = Params({"chat_id": "@someone", "message_id": "x"})
    assert _error(reader.chat_id) == "Bad Request: chat not found"
    assert _error(reader.get_int, "message_id") == "Bad Request: invalid message_id specified"
    assert _error(Params({}).chat_id) == "Bad Request: chat_id is empty"


def test_message_views_and_api_shape() -> None:
    message = EmuMessage(
        message_id=3,
        chat_id=10,
        from_bot=True,
        sender={"id": 1, "is_bot": True, "first_name": "Bot"},
        chat={"id": 10, "first_name": "A", "type": "private"},
        date=1_700_000_000,
        text="hi",
        reply_markup={
            "inline_keyboard": [[{"text": "Go", "callback_data": "go"}, {"text": "W", "url": "u"}]]
        },
    )
    assert message.buttons == [[InlineButton("Go", "go"), InlineButton("W", url="u")]]
    assert message.button_texts == ["Go", "W"]
    assert "#3 bot: 'hi'" in message.summary()
    parsed = Message.model_validate(message.to_api())
    assert parsed.text == "hi"
    assert parsed.reply_markup is not None
    assert parsed.reply_markup.inline_keyboard[0][0].callback_data == "go"

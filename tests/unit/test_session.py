"""Requests without files go as one JSON body; with a file, as aiogram's multipart form."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import FormData
from aiohttp.payload import BytesPayload

from bot.session import JsonBodySession

SESSION = JsonBodySession()
BOT = Bot(
    token="42:TEST-token-never-sent",
    session=SESSION,
    default=DefaultBotProperties(parse_mode=ParseMode.HTML),
)
MARKUP = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="q:1")]]
)


def test_a_message_is_one_json_body_with_objects_as_objects() -> None:
    method = SendMessage(
        chat_id=7, text="Вопрос 1 из 13", reply_markup=MARKUP, disable_notification=False
    )
    payload = SESSION.build_form_data(BOT, method)
    assert isinstance(payload, BytesPayload)
    assert payload.content_type == "application/json"
    assert json.loads(payload._value) == {
        "chat_id": 7,
        "text": "Вопрос 1 из 13",
        "parse_mode": "HTML",  # the bot's default, resolved as in a form
        "disable_notification": False,  # false is sent, not dropped as empty
        "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "q:1"}]]},
    }
    assert "Вопрос".encode() in payload._value  # UTF-8 as is, not \\u-escaped


def test_a_request_with_a_file_stays_multipart() -> None:
    photo = BufferedInputFile(b"\x89PNG-bytes", "profile.png")
    payload = SESSION.build_form_data(BOT, SendPhoto(chat_id=7, photo=photo, caption="Итог"))
    assert isinstance(payload, FormData)
    assert payload.is_multipart


def test_fields_left_unset_are_not_sent_and_an_explicit_none_sends_no_parse_mode() -> None:
    button = InlineKeyboardButton(text="Назад", callback_data="q:b", url=None)
    method = SendMessage(
        chat_id=7,
        text="plain",
        parse_mode=None,  # overrides the bot's default: no parse mode at all
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )
    payload = SESSION.build_form_data(BOT, method)
    assert isinstance(payload, BytesPayload)
    assert json.loads(payload._value) == {
        "chat_id": 7,
        "text": "plain",
        "reply_markup": {"inline_keyboard": [[{"text": "Назад", "callback_data": "q:b"}]]},
    }

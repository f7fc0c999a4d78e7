"""Telegram's harmless edit failures never reach the user (checked against the emulator)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator import Emulator
from bot.telegram import SentMessage, drop_buttons, edit_text, show


async def test_not_modified_and_gone_are_harmless(emu: Emulator) -> None:
    await emu.send_text(77, "hi")
    bot = emu.make_bot()
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x")]]
        )
        sent = await bot.send_message(77, "same", reply_markup=markup)
        assert await edit_text(bot, 77, sent.message_id, "same", markup) is True
        assert await edit_text(bot, 77, 999_999, "anything") is False
        await drop_buttons(bot, 77, sent.message_id)
        await drop_buttons(bot, 77, sent.message_id)  # already without buttons
        await drop_buttons(bot, 77, 999_999)
        assert emu.get_message(77, sent.message_id).buttons == []

        shown = await show(bot, 77, "fresh", None, edit=999_999)
        assert shown != sent.message_id
        assert emu.get_message(77, shown).text == "fresh"
        assert await show(bot, 77, "edited", None, edit=sent.message_id) == sent.message_id
        assert emu.get_message(77, sent.message_id).text == "edited"
    finally:
        await bot.session.close()


async def test_the_wrappers_send_what_aiogram_sends_and_read_only_the_id(
    emu: Emulator,
) -> None:
    """`show` and `edit_text` read a reply as a `SentMessage` (the id; the rest left as
    Telegram sent it), while their requests are aiogram's own: the bot's default parse
    mode applies, and the buttons go along."""
    await emu.send_text(78, "hi")
    bot = emu.make_bot(default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    replies: list[object] = []

    async def kept(make_request: Any, bot: Bot, method: Any) -> Any:
        reply = await make_request(bot, method)
        replies.append(reply)
        return reply

    bot.session.middleware(kept)
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]]
        )
        shown = await show(bot, 78, "<b>Вопрос</b> 1", markup)
        message = emu.get_message(78, shown)
        assert message.text == "Вопрос 1"
        assert [(e["type"], e["offset"], e["length"]) for e in message.entities] == [("bold", 0, 6)]
        assert [[b.text for b in row] for row in message.buttons] == [["Да"]]
        assert await edit_text(bot, 78, shown, "<i>Ответ</i>") is True
        assert emu.get_message(78, shown).text == "Ответ"
        assert emu.get_message(78, shown).buttons == []
        assert [type(r) for r in replies] == [SentMessage, SentMessage]
        assert all(isinstance(r, SentMessage) and r.message_id == shown for r in replies)
    finally:
        await bot.session.close()

"""Telegram's harmless edit failures never reach the user (checked against the emulator)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator import Emulator
from bot.telegram import drop_buttons, edit_text, show


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
        assert not isinstance(shown, int)
        assert shown.text == "fresh"
        assert await show(bot, 77, "edited", None, edit=sent.message_id) == sent.message_id
        assert emu.get_message(77, sent.message_id).text == "edited"
    finally:
        await bot.session.close()

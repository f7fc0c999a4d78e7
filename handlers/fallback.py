"""What nobody else understood gets a short hint, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

router = Router(name="fallback")


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message) -> None:
    await message.answer(_("I don't know this command. Send /help to see what I can do."))


@router.message()
async def not_understood(message: Message) -> None:
    await message.answer(
        _("Sorry, I didn't understand that. Use the buttons or send /help to see what I can do.")
    )


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."))

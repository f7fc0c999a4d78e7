"""What nobody else understood gets a short hint, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(not_understood)
    router.callback_query.register(stale_button)
    return router


async def unknown_command(message: Message) -> None:
    await message.answer(_("I don't know this command. Send /help to see what I can do."))


async def not_understood(message: Message) -> None:
    await message.answer(
        _("Sorry, I didn't understand that. Use the buttons or send /help to see what I can do.")
    )


def no_longer_active() -> str:
    return _("This button is no longer active.")


async def stale_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """An old, forged or malformed button (out-of-range numbers included)."""
    callback_answer.text = no_longer_active()

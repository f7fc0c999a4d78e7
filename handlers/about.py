"""/help: what the bot can do."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.menu import command_lines


def build_router() -> Router:
    router = Router(name="about")
    router.message.register(help_command, Command("help"))
    return router


async def help_command(message: Message) -> None:
    await message.answer(
        _("<b>What I can do</b>")
        + "\n\n"
        + command_lines()
        + "\n\n"
        + _("Your answers are stored only to show you your results and progress.")
    )

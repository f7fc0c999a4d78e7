"""/help: what the bot can do."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import SeenUser
from bot.services.staff import StaffService
from handlers.menu import command_lines, staff_command_lines


def build_router() -> Router:
    router = Router(name="about")
    router.message.register(help_command, Command("help"))
    return router


async def help_command(message: Message, seen: SeenUser, staff: StaffService) -> None:
    text = (
        _("<b>What I can do</b>")
        + "\n\n"
        + command_lines()
        + "\n\n"
        + _(
            "Your answers are stored only to show you your results and progress, and only"
            " after you agreed: /privacy says how, /my_data shows what is stored,"
            " /delete_me deletes it."
        )
    )
    access = await staff.access(seen.id)
    if access.is_staff:
        text += "\n\n" + _("<b>Staff commands</b>") + "\n" + staff_command_lines(access)
    await message.answer(text)

"""Groups: the quiz is personal, so `/start` in a group points to a private chat and
everything else there is left alone (no replies to chatter, no records of members)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.filters import GroupChat


def build_router() -> Router:
    router = Router(name="groups")
    router.message.filter(GroupChat())
    router.message.register(start_in_group, CommandStart())
    return router


async def start_in_group(message: Message, bot: Bot) -> None:
    me = await bot.me()  # cached by aiogram after the first call
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Open a private chat"), url=f"https://t.me/{me.username}")
    await message.reply(
        _("The quiz is personal, so I answer in a private chat. Press the button to start."),
        reply_markup=builder.as_markup(),
    )

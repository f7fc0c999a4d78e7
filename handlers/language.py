"""/language: the student picks Russian or English; the menu follows the choice."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BotCommandScopeChat, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Locale
from bot.domain import User
from bot.services.students import StudentService
from handlers.menu import bot_commands

log = logging.getLogger(__name__)

NAMES: dict[Locale, str] = {"ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


class LanguageCb(CallbackData, prefix="lang"):
    code: Locale


def build_router() -> Router:
    router = Router(name="language")
    router.message.register(language_command, Command("language"))
    router.callback_query.register(choose_language, LanguageCb.filter())
    return router


def language_name(locale: str) -> str:
    return next((name for code, name in NAMES.items() if code == locale), locale)


def language_screen() -> tuple[str, InlineKeyboardMarkup]:
    """The choice of language (also opened from /settings)."""
    builder = InlineKeyboardBuilder()
    for code in NAMES:
        builder.button(text=NAMES[code], callback_data=LanguageCb(code=code))
    builder.adjust(2)
    return _("Choose the language:"), builder.as_markup()


async def language_command(message: Message) -> None:
    text, markup = language_screen()
    await message.answer(text, reply_markup=markup)


async def choose_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    bot: Bot,
    user: User,
    students: StudentService,
    i18n: I18n,
) -> None:
    code = callback_data.code
    await students.set_locale(user.id, code)
    with i18n.use_locale(code):
        await bot.send_message(user.id, _("Done: I will speak English with you now."))
    try:
        await bot.set_my_commands(
            bot_commands(i18n, code), scope=BotCommandScopeChat(chat_id=user.id)
        )
    except TelegramAPIError as exc:
        # The global menu in the user's Telegram language still works.
        log.warning("could not set the menu of chat %d: %s", user.id, exc)

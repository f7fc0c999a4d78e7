"""The command menu, in every locale, set at start-up."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __

log = logging.getLogger(__name__)

COMMANDS = (
    ("quiz", __("Take the quiz or continue it")),
    ("results", __("My results")),
    ("tips", __("Learning tips: subscribe, pause, time and frequency")),
    ("language", __("Change the language")),
    ("help", __("What this bot can do")),
    ("start", __("Start over and see the greeting")),
)


def command_lines() -> str:
    """The commands as lines of help text, in the current locale."""
    return "\n".join(f"/{name} — {text!s}" for name, text in COMMANDS)


def bot_commands(i18n: I18n, locale: str) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        return [BotCommand(command=name, description=str(text)) for name, text in COMMANDS]


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """One menu per locale, and the default locale's for everybody else."""
    scope = BotCommandScopeDefault()
    try:
        for locale in i18n.available_locales:
            await bot.set_my_commands(bot_commands(i18n, locale), scope, language_code=locale)
        await bot.set_my_commands(bot_commands(i18n, i18n.default_locale), scope)
    except TelegramAPIError as exc:
        log.warning("could not set the command menu: %s", exc)

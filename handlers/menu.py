"""The command menu, in every locale, set at start-up."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import lazy_gettext as __

from bot.domain import Access, Role
from bot.services.staff import StaffService

log = logging.getLogger(__name__)

COMMANDS = (
    ("quiz", __("Take the quiz or continue it")),
    ("results", __("My results")),
    ("tips", __("Learning tips: subscribe, pause, time and frequency")),
    ("settings", __("Settings: news, learning tips, language")),
    ("language", __("Change the language")),
    ("privacy", __("How your personal data is handled")),
    ("my_data", __("Everything stored about you, as a file")),
    ("delete_me", __("Delete all your data and withdraw consent")),
    ("help", __("What this bot can do")),
    ("start", __("Start over and see the greeting")),
)


# Staff commands, by the role that may use them; a staff member's own menu is the
# students' one plus these (students never see them: the menu is set per chat).
STAFF_COMMANDS: tuple[tuple[str, Any, frozenset[Role]], ...] = (
    ("stats", __("Statistics of your career centre"), frozenset({Role.ADMIN, Role.MANAGER})),
    ("export", __("Statistics as a CSV table"), frozenset({Role.ADMIN, Role.MANAGER})),
    ("centres", __("Career centres: links, QR codes, managers"), frozenset({Role.ADMIN})),
    ("centre_new", __("Create a career centre: /centre_new NAME"), frozenset({Role.ADMIN})),
    ("broadcast", __("Send news or a tip to students"), frozenset({Role.ADMIN, Role.OPERATOR})),
    (
        "broadcasts",
        __("Broadcasts: progress, scheduled, reports"),
        frozenset({Role.ADMIN, Role.OPERATOR}),
    ),
    ("operator_invite", __("Invite an operator (a one-time link)"), frozenset({Role.ADMIN})),
    ("operators", __("Operators: list and revoke"), frozenset({Role.ADMIN})),
)


def staff_command_names(access: Access) -> list[str]:
    return [name for name, _text, roles in STAFF_COMMANDS if not roles.isdisjoint(access.roles)]


def staff_command_lines(access: Access) -> str:
    """The staff commands this person may use, as lines of help text."""
    return "\n".join(
        f"/{name} — {text!s}"
        for name, text, roles in STAFF_COMMANDS
        if not roles.isdisjoint(access.roles)
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


def staff_bot_commands(i18n: I18n, locale: str, access: Access) -> list[BotCommand]:
    with i18n.context(), i18n.use_locale(locale):
        staff = [
            BotCommand(command=name, description=str(text))
            for name, text, roles in STAFF_COMMANDS
            if not roles.isdisjoint(access.roles)
        ]
    return staff + bot_commands(i18n, locale)


async def refresh_staff_menu(bot: Bot, i18n: I18n, staff: StaffService, user_id: int) -> None:
    """A staff member who opens the bot gets their menu (e.g. an admin who first wrote
    after start-up); nothing for a student."""
    access = await staff.access(user_id)
    if access.is_staff:
        await set_staff_menu(bot, i18n, user_id, access)


async def set_staff_menu(bot: Bot, i18n: I18n, user_id: int, access: Access) -> None:
    """Give a staff member their own menu (a chat-scoped one); a person with no role
    left gets the students' menu back."""
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        for locale in (*i18n.available_locales, None):
            if access.is_staff:
                commands = staff_bot_commands(i18n, locale or i18n.default_locale, access)
                await bot.set_my_commands(commands, scope, language_code=locale)
            else:
                await bot.delete_my_commands(scope, language_code=locale)
    except TelegramAPIError as exc:  # e.g. an admin who never opened the bot
        log.warning("could not set the staff menu of %d: %s", user_id, exc)

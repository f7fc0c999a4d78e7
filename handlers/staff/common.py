"""Small pieces every staff screen shares: a moment in the bot's time zone, and a
staff member as a line of a list with the button that revokes them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.filters.callback_data import CallbackData
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import StaffMember


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """A moment as staff read it: `25.11.2026 18:30` in TIMEZONE."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def member_lines(
    members: list[StaffMember],
    tz: ZoneInfo,
    builder: InlineKeyboardBuilder,
    revoke: type[CallbackData],
    **revoke_data: object,
) -> list[str]:
    """One line per member (name, @username, since when), and under the list a
    "✖ Revoke" button each, made by `revoke(user=member.user_id, **revoke_data)`."""
    lines = []
    for member in members:
        handle = f" @{member.username}" if member.username else ""
        lines.append(
            _("• {name}{handle}, since {date}").format(
                name=html.quote(member.name),
                handle=html.quote(handle),
                date=local_time(member.granted_at, tz),
            )
        )
        builder.button(
            text=_("✖ Revoke {name}").format(name=member.name[:40]),
            callback_data=revoke(user=member.user_id, **revoke_data),
        )
    return lines

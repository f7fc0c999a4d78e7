"""Telegram tells the bot when a user blocks or unblocks it; we keep `blocked_at` true
so that tips and broadcasts skip people who cannot receive them."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.clock import Clock
from bot.db.users import UsersRepo


def build_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router


async def blocked(event: ChatMemberUpdated, users: UsersRepo, clock: Clock) -> None:
    await users.mark_blocked(event.from_user.id, clock.now())


async def unblocked(event: ChatMemberUpdated, users: UsersRepo) -> None:
    await users.mark_unblocked(event.from_user.id)

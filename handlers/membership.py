"""Telegram tells the bot when a user blocks or unblocks it; we keep `blocked_at` true
so that tips and broadcasts skip people who cannot receive them."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.clock import Clock
from bot.db.users import UsersRepo

router = Router(name="membership")


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def blocked(event: ChatMemberUpdated, users: UsersRepo, clock: Clock) -> None:
    await users.mark_blocked(event.from_user.id, clock.now())


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def unblocked(event: ChatMemberUpdated, users: UsersRepo) -> None:
    await users.mark_unblocked(event.from_user.id)

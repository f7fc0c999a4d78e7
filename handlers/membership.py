"""Telegram tells the bot when a user blocks or unblocks it; we keep `blocked_at` true
so that tips and broadcasts skip people who cannot receive them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.db.users import UsersRepo
from bot.services.tips import TipsService


def build_router() -> Router:
    router = Router(name="membership")
    # Only the private chat is the student's; a group the bot leaves says nothing of them.
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router


async def blocked(event: ChatMemberUpdated, tips: TipsService) -> None:
    await tips.user_blocked(event.from_user.id)


async def unblocked(event: ChatMemberUpdated, users: UsersRepo) -> None:
    await users.mark_unblocked(event.from_user.id)

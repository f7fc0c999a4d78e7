"""Telegram tells the bot when a user blocks or unblocks it; we keep `blocked_at` true
so that tips and broadcasts skip people who cannot receive them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.services.students import StudentService


def build_router() -> Router:
    router = Router(name="membership")
    # Only the private chat is the student's; a group the bot leaves says nothing of them.
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    router.my_chat_member.register(unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    return router


async def blocked(event: ChatMemberUpdated, students: StudentService) -> None:
    await students.blocked(event.from_user.id)


async def unblocked(event: ChatMemberUpdated, students: StudentService) -> None:
    await students.unblocked(event.from_user.id)

"""Filters shared by the routers: who an update is for, and who may use staff routers."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.filters import BaseFilter
from aiogram.types import Chat, TelegramObject

from bot.domain import Role, User
from bot.services.staff import StaffService


class PrivateChat(BaseFilter):
    """A private chat with a person the bot knows (UserMiddleware loaded them).

    Every student router sits behind it, so no handler that needs `user` is ever
    reached without one: not by a group, a channel, or a sender marked as a bot.
    """

    async def __call__(
        self, event: TelegramObject, event_chat: Chat | None = None, user: User | None = None
    ) -> bool:
        return user is not None and event_chat is not None and event_chat.type == ChatType.PRIVATE


class GroupChat(BaseFilter):
    """A group or supergroup (the bot is only ever talked to privately)."""

    async def __call__(self, event: TelegramObject, event_chat: Chat | None = None) -> bool:
        return event_chat is not None and event_chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


class HasRole(BaseFilter):
    """Lets through only staff with one of `roles`; put it on a whole staff router."""

    def __init__(self, *roles: Role) -> None:
        if not roles:
            raise ValueError("name at least one role")
        self.roles = frozenset(roles)

    async def __call__(
        self, event: TelegramObject, staff: StaffService, user: User | None = None
    ) -> bool:
        return user is not None and await staff.has_any(user.id, self.roles)

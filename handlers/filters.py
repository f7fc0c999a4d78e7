"""Filters shared by the routers: who an update is for, and who may use staff routers."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.filters import BaseFilter
from aiogram.types import Chat, TelegramObject
from aiogram.types import User as TgUser

from bot.domain import Role, User
from bot.services.staff import StaffService


class PrivateChat(BaseFilter):
    """A private chat with a person (not a sender marked as a bot, not a group or a
    channel). UserMiddleware has put `seen`, `user` (None before the person agreed to
    the personal data notice) and `consented` into the handler data."""

    async def __call__(
        self,
        event: TelegramObject,
        event_chat: Chat | None = None,
        event_from_user: TgUser | None = None,
    ) -> bool:
        return (
            event_chat is not None
            and event_chat.type == ChatType.PRIVATE
            and event_from_user is not None
            and not event_from_user.is_bot
        )


class Consented(BaseFilter):
    """A student who agreed to the current personal data notice: every student router
    sits behind it, so no handler that needs `user` is reached without one."""

    async def __call__(
        self, event: TelegramObject, user: User | None = None, consented: bool = False
    ) -> bool:
        return user is not None and consented


class NotConsented(BaseFilter):
    """Anyone in a private chat who has not agreed to the current notice."""

    async def __call__(
        self, event: TelegramObject, user: User | None = None, consented: bool = False
    ) -> bool:
        return not consented


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

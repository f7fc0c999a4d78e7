"""Cross-cutting work around every update: in-flight tracking and loading the user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TgUser

from bot.domain import SeenUser
from bot.services.students import StudentService

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlightMiddleware(BaseMiddleware):
    """Counts updates being handled so that shutdown can let them finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._count

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drain(self, grace: float) -> bool:
        """Wait until no update is being handled; False if the grace period ran out first."""
        try:
            async with asyncio.timeout(grace):
                await self._idle.wait()
        except TimeoutError:
            log.warning("shutdown: %d update(s) still in flight after %.0fs", self._count, grace)
            return False
        return True


class UserMiddleware(BaseMiddleware):
    """Tells handlers who is writing in a private chat, and records the visit only when
    the bot may store it (see `StudentService.visit`).

    Handler data gets `seen` (what the update says of the sender: enough to answer them,
    stored nowhere), `user` (their stored row, or None before they agreed to the
    personal data notice) and `consented` (whether they agreed to the current one).

    Only messages and button presses in private chats count: a group, a channel post,
    or a sender marked as a bot (an anonymous group admin posts as GroupAnonymousBot)
    leaves no trace and gets none of these; the routers that need them filter on them.
    """

    def __init__(self, students: StudentService) -> None:
        self._students = students

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        personal = isinstance(event, Update) and (
            event.message is not None or event.callback_query is not None
        )
        if (
            personal
            and tg_user is not None
            and not tg_user.is_bot
            and chat is not None
            and chat.type == ChatType.PRIVATE
        ):
            seen = SeenUser(
                id=tg_user.id,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                username=tg_user.username,
                language_code=tg_user.language_code,
            )
            visit = await self._students.visit(seen)
            data["seen"] = seen
            data["user"] = visit.user
            data["consented"] = visit.consented
        return await handler(event, data)

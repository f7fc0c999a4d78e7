"""Cross-cutting work around every update: in-flight tracking and loading the user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from bot.clock import Clock
from bot.db.users import SeenUser, UsersRepo

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
    """Records every visit and puts the stored `user` into handler data."""

    def __init__(self, users: UsersRepo, clock: Clock) -> None:
        self._users = users
        self._clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            user, created = await self._users.touch(
                SeenUser(
                    id=tg_user.id,
                    first_name=tg_user.first_name,
                    last_name=tg_user.last_name,
                    username=tg_user.username,
                    language_code=tg_user.language_code,
                ),
                self._clock.now(),
            )
            data["user"] = user
            data["user_created"] = created
        return await handler(event, data)

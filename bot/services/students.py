"""Who the students are: visits, language, where they came from, whether they can be
reached. Blocking the bot cancels everything planned for them."""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.deeplinks import parse_start_payload
from bot.domain import SeenUser, User

log = logging.getLogger(__name__)


class StudentService:
    def __init__(self, users: UsersRepo, tips: TipsRepo, clock: Clock) -> None:
        self._users = users
        self._tips = tips
        self._clock = clock

    async def visit(self, seen: SeenUser) -> tuple[User, bool]:
        """Record a visit; returns the stored user and whether this visit created them.

        A user who writes again is reachable again.
        """
        return await self._users.touch(seen, self._clock.now())

    async def arrived(self, user: User, start_args: str | None) -> None:
        """Remember the first deep-link source a student came with (first touch wins)."""
        payload = parse_start_payload(start_args)
        if payload is not None and user.source is None:
            await self._users.set_source_if_empty(user.id, payload)

    async def set_locale(self, user_id: int, locale: str | None) -> None:
        await self._users.set_locale(user_id, locale)

    async def blocked(self, user_id: int) -> None:
        """The student blocked the bot: remember it and cancel everything planned."""
        await self._users.mark_blocked(user_id, self._clock.now())
        cancelled = await self._tips.cancel_pending(user_id)
        log.info("user %d blocked the bot: %d pending tip(s) cancelled", user_id, cancelled)

    async def unblocked(self, user_id: int) -> None:
        await self._users.mark_unblocked(user_id)

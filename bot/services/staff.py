"""Who is staff and in which role. Admins come from `ADMIN_IDS`; centre managers and
operators will be stored in SQLite and granted by invite links."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain import Role


class StaffService:
    def __init__(self, admin_ids: Iterable[int]) -> None:
        self._admins = frozenset(admin_ids)

    async def roles(self, user_id: int) -> frozenset[Role]:
        """The roles of a user; empty for a student."""
        return frozenset({Role.ADMIN}) if user_id in self._admins else frozenset()

    async def has_any(self, user_id: int, roles: Iterable[Role]) -> bool:
        return not (await self.roles(user_id)).isdisjoint(roles)

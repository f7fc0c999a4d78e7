"""Who is staff and in which role. Admins come from `ADMIN_IDS`; centre managers and
operators are stored in SQLite, granted by invite links (see `bot.services.centres`).

The role filter asks on every update that reaches a staff router, so the ids of the
staff are kept in memory (a student costs one set lookup) and a staff member's
access once read; every change made through the services forgets what it changed.
One process owns the database, so this cannot go stale behind its back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.domain import Access, Role


class GrantedRoles(Protocol):
    """Where granted roles are kept (`bot.db.centres.StaffRepo`)."""

    async def roles_of(self, user_id: int) -> list[tuple[Role, int | None]]: ...

    async def everyone(self) -> list[int]: ...


NO_ACCESS = Access()


class StaffService:
    def __init__(self, admin_ids: Iterable[int], repo: GrantedRoles) -> None:
        self._admins = frozenset(admin_ids)
        self._repo = repo
        self._granted: frozenset[int] | None = None  # who holds a granted role; read once
        self._cache: dict[int, Access] = {}

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admins

    async def access(self, user_id: int) -> Access:
        """What the user may do as staff; empty for a student (asked of no database)."""
        if self._granted is None:
            self._granted = frozenset(await self._repo.everyone())
        if user_id not in self._granted and user_id not in self._admins:
            return NO_ACCESS
        cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        granted = await self._repo.roles_of(user_id)
        access = Access(
            admin=user_id in self._admins,
            centres=frozenset(c for role, c in granted if role == Role.MANAGER and c is not None),
            operator=any(role == Role.OPERATOR for role, _ in granted),
        )
        self._cache[user_id] = access
        return access

    def forget(self, user_id: int) -> None:
        """The user's roles changed: read them again next time."""
        self._cache.pop(user_id, None)
        self._granted = None

    async def roles(self, user_id: int) -> frozenset[Role]:
        """The roles of a user; empty for a student."""
        return (await self.access(user_id)).roles

    async def has_any(self, user_id: int, roles: Iterable[Role]) -> bool:
        return not (await self.roles(user_id)).isdisjoint(roles)

    async def granted(self) -> list[int]:
        """Everyone with a role granted in the bot (admins not included)."""
        return await self._repo.everyone()

"""Career centres: created by an admin, shared through their own link, run by managers
who join through one-time invite links.

A centre's link carries a random code (not a readable slug: nobody should guess
another centre's link). An invite link carries a random secret of which only a hash
is stored; it works once, until it expires.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.db.centres import CentreCounts, CentresRepo, StaffRepo
from bot.domain import Centre, Role, SeenUser, StaffMember
from bot.services.staff import StaffService

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv_"
"""Start payloads that are invites, not a centre's or another source."""
RESERVED_CODES = frozenset({"share"})
CENTRE_CODE_BYTES = 8  # 11 characters of base64url: 2**64 codes
INVITE_SECRET_BYTES = 16  # 22 characters: the whole payload stays well under 64
NAME_MAX = 80


class CentreNameError(ValueError):
    """A centre's name that cannot be used; the message says why."""


def clean_name(raw: str) -> str:
    """A centre's name as typed: spaces collapsed, 1 to NAME_MAX characters."""
    name = re.sub(r"\s+", " ", raw).strip()
    if not name:
        raise CentreNameError("empty")
    if len(name) > NAME_MAX:
        raise CentreNameError("too long")
    return name


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InviteRefusal(StrEnum):
    UNKNOWN = "unknown"  # never issued (or mistyped)
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Joined:
    """An invite accepted: the user now holds `role` (for `centre`, if a manager)."""

    role: Role
    centre: Centre | None
    already: bool = False
    """They held this role already (their own invite opened again, say)."""


@dataclass(frozen=True, slots=True)
class Refused:
    reason: InviteRefusal


@dataclass(frozen=True, slots=True)
class Invite:
    payload: str
    """The start payload of the invite link."""
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CentreRow:
    centre: Centre
    counts: CentreCounts


class CentresService:
    def __init__(
        self,
        centres: CentresRepo,
        staff_repo: StaffRepo,
        staff: StaffService,
        clock: Clock,
        invite_ttl: timedelta,
    ) -> None:
        self._centres = centres
        self._staff_repo = staff_repo
        self._staff = staff
        self._clock = clock
        self.invite_ttl = invite_ttl

    async def create(self, name: str, created_by: int) -> Centre:
        name = clean_name(name)
        while True:
            code = secrets.token_urlsafe(CENTRE_CODE_BYTES)
            if code in RESERVED_CODES or code.startswith(INVITE_PREFIX):
                continue
            if not await self._centres.code_taken(code):
                break
        centre = await self._centres.create(name, code, created_by, self._clock.now())
        log.info("centre %d created by %d", centre.id, created_by)
        return centre

    async def get(self, centre_id: int) -> Centre | None:
        return await self._centres.get(centre_id)

    async def by_code(self, code: str) -> Centre | None:
        """The live centre whose students' link carries `code`, if any."""
        centre = await self._centres.by_code(code)
        return centre if centre is not None and not centre.archived else None

    async def listing(self, *, archived: bool = False) -> list[CentreRow]:
        counts = await self._centres.counts()
        return [
            CentreRow(centre, counts.get(centre.id, CentreCounts(0, 0)))
            for centre in await self._centres.all(archived=archived)
        ]

    async def counts(self, centre_id: int) -> CentreCounts:
        return (await self._centres.counts()).get(centre_id, CentreCounts(0, 0))

    async def visible_to(self, centre_ids: frozenset[int]) -> list[Centre]:
        """The centres among `centre_ids`, live ones first, for a manager's choices."""
        found = [c for c in await self._centres.all() if c.id in centre_ids]
        found += [c for c in await self._centres.all(archived=True) if c.id in centre_ids]
        return found

    async def rename(self, centre_id: int, name: str) -> Centre | None:
        name = clean_name(name)
        if not await self._centres.rename(centre_id, name):
            return None
        return await self._centres.get(centre_id)

    async def archive(self, centre_id: int, archived: bool = True) -> Centre | None:
        """Archived: its link adds no students; its managers still see its numbers."""
        now = self._clock.now() if archived else None
        if not await self._centres.set_archived(centre_id, now):
            return None
        return await self._centres.get(centre_id)

    async def invite(self, role: Role, centre_id: int | None, created_by: int) -> Invite:
        """A new one-time invite, and the start payload that carries it."""
        if (role == Role.MANAGER) != (centre_id is not None) or role == Role.ADMIN:
            raise ValueError("a manager invite names a centre; an operator invite does not")
        secret = secrets.token_urlsafe(INVITE_SECRET_BYTES)
        now = self._clock.now()
        expires_at = now + self.invite_ttl
        await self._staff_repo.add_invite(
            _hash(secret), role, centre_id, created_by, now, expires_at
        )
        return Invite(INVITE_PREFIX + secret, expires_at)

    async def accept(
        self, payload: str, user_id: int, person: SeenUser | None = None
    ) -> Joined | Refused:
        """Open an invite link: the first person to open it in time gets its role.

        `person` is stored with the role when the bot knows nothing of them yet: staff
        are stored for their role and need no student's consent; a refused invite
        stores nothing."""
        if not payload.startswith(INVITE_PREFIX):
            return Refused(InviteRefusal.UNKNOWN)
        invite = await self._staff_repo.invite(_hash(payload.removeprefix(INVITE_PREFIX)))
        if invite is None:
            return Refused(InviteRefusal.UNKNOWN)
        centre = await self._centres.get(invite.centre_id) if invite.centre_id else None
        if invite.used:
            if invite.used_by == user_id:  # their own link, opened twice
                return Joined(invite.role, centre, already=True)
            return Refused(InviteRefusal.USED)
        if self._clock.now() >= invite.expires_at:
            return Refused(InviteRefusal.EXPIRED)
        if not await self._staff_repo.redeem(invite, user_id, self._clock.now(), person):
            return Refused(InviteRefusal.USED)
        self._staff.forget(user_id)
        log.info("user %d joined as %s (invite %d)", user_id, invite.role, invite.id)
        return Joined(invite.role, centre)

    async def managers(self, centre_id: int) -> list[StaffMember]:
        return await self._staff_repo.members(Role.MANAGER, centre_id)

    async def operators(self) -> list[StaffMember]:
        return await self._staff_repo.members(Role.OPERATOR)

    async def revoke_operator(self, user_id: int) -> bool:
        revoked = await self._staff_repo.revoke(user_id, Role.OPERATOR, None)
        self._staff.forget(user_id)
        if revoked:
            log.info("operator %d revoked", user_id)
        return revoked

    async def revoke_manager(self, centre_id: int, user_id: int) -> bool:
        revoked = await self._staff_repo.revoke(user_id, Role.MANAGER, centre_id)
        self._staff.forget(user_id)
        if revoked:
            log.info("manager %d of centre %d revoked", user_id, centre_id)
        return revoked

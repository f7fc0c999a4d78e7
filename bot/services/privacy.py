"""Students' personal data (152-ФЗ): consent to a versioned notice, the export of
everything stored about a person, its deletion, and deletion after inactivity.

The notice's text is written by the presentation layer (it is translated) and handed
in by the composition root; its version is a hash of the texts in every language, so
any change to them (a new operator, contacts, policy link, retention period or
wording) asks every student again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.db.privacy import PrivacyRepo
from bot.domain import Centre, SeenUser, User
from bot.services.staff import StaffService
from bot.services.students import StudentService

log = logging.getLogger(__name__)

VERSION_LENGTH = 12
"""Hex digits of the notice's hash kept as its version (it travels in button data)."""


def notice_version(texts: Mapping[str, str]) -> str:
    """The version of a notice: a hash of its text in every language."""
    canonical = json.dumps(dict(sorted(texts.items())), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_LENGTH]


@dataclass(frozen=True, slots=True)
class Notice:
    """What a student agrees to: the notice in each language, and its version."""

    texts: Mapping[str, str]

    @property
    def version(self) -> str:
        return notice_version(self.texts)


@dataclass(frozen=True, slots=True)
class Agreed:
    user: User
    centre: Centre | None
    """The career centre whose link brought them, if it counted now."""


@dataclass(frozen=True, slots=True)
class Export:
    """Everything stored about one person, table by table."""

    user_id: int
    made_at: datetime
    tables: Mapping[str, list[dict[str, Any]]]

    def count(self, table: str) -> int:
        return len(self.tables.get(table, []))

    def to_json(self) -> bytes:
        document = {
            "user_id": self.user_id,
            "exported_at": self.made_at.isoformat(),
            "note": "Every row the bot stores about this Telegram user, by database table.",
            "tables": self.tables,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")


class PrivacyService:
    def __init__(
        self,
        repo: PrivacyRepo,
        students: StudentService,
        staff: StaffService,
        clock: Clock,
        *,
        notice: Notice,
        retention: timedelta,
    ) -> None:
        self._repo = repo
        self._students = students
        self._staff = staff
        self._clock = clock
        self.notice = notice
        self.retention = retention

    @property
    def version(self) -> str:
        return self.notice.version

    async def publish(self) -> None:
        """Keep the current notice's exact texts, so every consent names what it agreed to."""
        await self._repo.save_notices(self.version, self.notice.texts, self._clock.now())

    def consented(self, user: User | None) -> bool:
        return user is not None and user.consent_version == self.version

    async def agree(
        self, seen: SeenUser, version: str, locale: str, start_args: str | None
    ) -> Agreed | None:
        """The person agreed to the notice `version` they were shown; None if it is no
        longer the current one (they must read the new text first).

        Only now is the person stored: their users row and the consent, together. Then
        the deep-link payload they arrived with counts, as on any first /start.
        """
        if version != self.version:
            return None
        user = await self._repo.agree(seen, version, locale, self._clock.now())
        centre = await self._students.arrived(user, start_args)
        log.info("user %d agreed to notice %s", user.id, version)
        return Agreed(user, centre)

    async def export(self, user_id: int) -> Export:
        return Export(user_id, self._clock.now(), await self._repo.export(user_id))

    async def erase(self, user_id: int) -> int:
        """Delete every row about the person; returns how many rows went."""
        removed = await self._repo.erase(user_id)
        self._staff.forget(user_id)
        total = sum(removed.values())
        log.info(
            "user %d deleted: %d row(s) (%s)",
            user_id,
            total,
            ", ".join(f"{table} {count}" for table, count in sorted(removed.items())),
        )
        return total

    async def purge_inactive(self) -> int:
        """The daily retention job: delete students not seen for longer than
        DATA_RETENTION. Staff keep their data while they hold a role."""
        cutoff = self._clock.now() - self.retention
        ids = await self._repo.inactive(cutoff, keep=self._staff.admin_ids)
        for user_id in ids:
            await self.erase(user_id)
        if ids:
            log.info("retention: %d student(s) inactive since before %s deleted", len(ids), cutoff)
        return len(ids)

    def expires(self, user: User) -> datetime:
        """When the student's data goes if they stay away."""
        return user.last_seen_at + self.retention

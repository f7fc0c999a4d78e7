"""Who the students are: visits, language, where they came from, whether they can be
reached and whether they want news. Blocking the bot cancels everything planned for them."""

from __future__ import annotations

import collections
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.centres import CentresRepo
from bot.db.changes import PersonChanges
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.deeplinks import parse_start_payload
from bot.domain import Centre, SeenUser, User, Visit
from bot.services.centres import INVITE_PREFIX
from bot.services.group_commit import GroupCommit
from bot.services.staff import StaffService

SHARE_PAYLOAD = "share"
"""The source of a link shared by a student who belongs to no centre."""

VISIT_STAMP_INTERVAL = timedelta(minutes=1)
"""How often a student's visits are written down: `last_seen_at` is to the minute."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Recorded:
    seen: SeenUser
    user: User
    at: datetime


class RecentVisits:
    """The rows of students whose visit was written down less than `interval` ago, as
    that write returned them: while nothing of theirs changes, the next visits of that
    minute need no trip to the database.

    A row is trusted only while SQLite reports no write to it (`PersonChanges`): any
    write to the student's `users` or `consents` rows but a visit's stamp drops it,
    and a row read while some write was going on is not kept at all. It is also not
    used for a sender whose name, username or language differs from the one written.
    Only the event loop's thread uses this. It holds the rows of the last minute: older
    ones, and those of people reported changed (an erased student's among them), go
    at the next visit of anyone.
    """

    def __init__(self, changes: PersonChanges, interval: timedelta = VISIT_STAMP_INTERVAL) -> None:
        self._changes = changes
        self._interval = interval
        self._rows: collections.OrderedDict[int, _Recorded] = collections.OrderedDict()

    @property
    def generation(self) -> int:
        """Pass it to `keep` with a row read after this was taken."""
        return self._changes.generation

    def get(self, seen: SeenUser, now: datetime) -> User | None:
        self._drop_changed()
        self._drop_older(now)
        recorded = self._rows.get(seen.id)
        if recorded is None or recorded.seen != seen:
            return None
        if not timedelta(0) <= now - recorded.at < self._interval:
            return None
        return recorded.user

    def keep(self, seen: SeenUser, user: User, at: datetime, generation: int) -> None:
        """Remember `user` as written at `at`, unless anything changed since `generation`."""
        self._drop_changed()
        if generation != self._changes.generation:
            return
        self._rows.pop(seen.id, None)
        self._rows[seen.id] = _Recorded(seen, user, at)
        self._drop_older(at)

    def __len__(self) -> int:
        return len(self._rows)

    def _drop_older(self, now: datetime) -> None:
        """Rows written `interval` before `now` go, the oldest first (rows are kept in
        the order they were written)."""
        rows = self._rows
        while rows:
            oldest = next(iter(rows.values()))
            if timedelta(0) <= now - oldest.at < self._interval:
                return
            rows.popitem(last=False)

    def _drop_changed(self) -> None:
        for person_id in self._changes.take():
            self._rows.pop(person_id, None)


class StudentService:
    def __init__(
        self,
        users: UsersRepo,
        tips: TipsRepo,
        centres: CentresRepo,
        clock: Clock,
        *,
        staff: StaffService,
        consent_version: str,
        people: PersonChanges,
    ) -> None:
        self._users = users
        self._tips = tips
        self._centres = centres
        self._clock = clock
        self._staff = staff
        self.consent_version = consent_version
        """The version of the personal data notice in force (see PrivacyService)."""
        self._agreed_visits = GroupCommit(self._touch_agreed)
        """Visits of students who agreed, made while the previous ones are written, go
        as one statement (see `visit`)."""
        self.recent = RecentVisits(people)
        """Students who agreed, whose visit was written down in the last minute."""

    async def visit(self, seen: SeenUser) -> Visit:
        """Who wrote, and record the visit only if the bot may: a student who agreed to
        the current notice, or staff (their role is why they are stored, see the README).

        Anyone else is not written down: a newcomer stays unknown until they agree, a
        student whose consent is to an older notice is loaded but not touched. A user
        who writes again is reachable again.

        A student who agreed is written down once a minute (`VISIT_STAMP_INTERVAL`):
        their visits in between are served from memory, without a trip to the database,
        for as long as nothing else wrote to their rows (see `RecentVisits`).
        """
        now = self._clock.now()
        known = self.recent.get(seen, now)
        if known is not None and known.consent_version == self.consent_version:
            return Visit(known, consented=True)
        generation = self.recent.generation
        agreed = await self._agreed_visits(seen)
        if agreed is not None:
            self.recent.keep(seen, agreed, now, generation)
            return Visit(agreed, consented=True)
        stored = await self._users.get(seen.id)
        consented = stored is not None and stored.consent_version == self.consent_version
        if consented or (await self._staff.access(seen.id)).is_staff:
            user, _created = await self._users.touch(seen, self._clock.now())
            return Visit(user, consented)
        return Visit(stored, consented=False)

    async def _touch_agreed(self, visits: Sequence[SeenUser]) -> list[User | None]:
        return await self._users.touch_agreed(visits, self._clock.now(), self.consent_version)

    async def arrived(self, user: User, start_args: str | None) -> Centre | None:
        """Remember where a student came from (first touch wins for both the source and
        the centre). Returns the centre they joined now, if its link brought them.

        Invite payloads are not a source: the start handler deals with them first.
        """
        payload = parse_start_payload(start_args)
        if payload is None or payload.startswith(INVITE_PREFIX):
            return None
        if user.source is None:
            await self._users.set_source_if_empty(user.id, payload)
        if user.centre_id is not None:
            return None
        centre = await self._centres.by_code(payload)
        if centre is None or centre.archived:
            return None
        joined = await self._users.join_centre_if_none(user.id, centre.id)
        return centre if joined else None

    async def share_payload(self, user: User) -> str:
        """What the result's "share" link carries: the student's centre's own code, so a
        friend who opens it counts for the same centre (the code names the centre, never
        the student); "share" for a student of no centre or of an archived one."""
        if user.centre_id is not None:
            centre = await self._centres.get(user.centre_id)
            if centre is not None and not centre.archived:
                return centre.code
        return SHARE_PAYLOAD

    async def set_locale(self, user_id: int, locale: str | None) -> None:
        await self._users.set_locale(user_id, locale)

    async def set_news(self, user_id: int, wanted: bool) -> None:
        """The student turns operators' news (job fairs, internships, webinars) on or off.
        Learning tips are separate: /tips."""
        await self._users.set_news(user_id, wanted, self._clock.now())

    @staticmethod
    def wants_news(user: User) -> bool:
        return user.news_off_at is None

    async def blocked(self, user_id: int) -> None:
        """The student blocked the bot: remember it and cancel everything planned."""
        await self._users.mark_blocked(user_id, self._clock.now())
        cancelled = await self._tips.cancel_pending(user_id)
        log.info("user %d blocked the bot: %d pending tip(s) cancelled", user_id, cancelled)

    async def unblocked(self, user_id: int) -> None:
        await self._users.mark_unblocked(user_id)

"""The weekly digest to each centre manager: on Monday morning in `TIMEZONE`, the
centre's last seven days, only when students finished the quiz since the last one.

A source of the one delivery path (rate budget, 429, 403): what is due is read
from the managers' staff rows on every tick, so a digest that fell due while the bot
was down goes out when it is back, and one cut short by a crash goes out again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.broadcast import Delivered, SendOutcome
from bot.db.centres import DigestsRepo
from bot.domain import DigestRecipient
from bot.i18n import pick_locale
from bot.services.delivery import Letter, SourceReport
from bot.services.stats import Scope, StatsService
from bot.stats.report import Period, StatsReport

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(9, 0)

DigestRender = Callable[[DigestRecipient, StatsReport, int, int], tuple[str, InlineKeyboardMarkup]]
"""(recipient, the week's report, students who finished since the last digest, k) ->
text and buttons, rendered in the recipient's locale."""


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """The latest Monday 09:00 in `tz` at or before `now`, as an aware datetime."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    start = datetime.combine(monday, DIGEST_TIME, tzinfo=tz)
    if start > local:
        start = datetime.combine(monday - timedelta(days=7), DIGEST_TIME, tzinfo=tz)
    return start


class DigestService:
    name = "digests"

    def __init__(
        self,
        repo: DigestsRepo,
        stats: StatsService,
        i18n: I18n,
        render: DigestRender,
        timezone: ZoneInfo,
    ) -> None:
        self._repo = repo
        self._stats = stats
        self._i18n = i18n
        self._render = render
        self._tz = timezone

    async def set_wanted(self, user_id: int, centre_id: int, wanted: bool) -> bool:
        """Turn a manager's digest for a centre on or off; False if they do not manage it."""
        return await self._repo.set_wanted(user_id, centre_id, wanted)

    async def recover(self) -> None:
        released = await self._repo.release_interrupted()
        if released:
            log.warning("%d digest(s) interrupted mid-send are due again", released)

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        week = week_start(now, self._tz)
        due = await self._repo.due(week)
        if not due:
            return []
        reports: dict[int, StatsReport] = {}
        letters: list[Letter] = []
        for recipient in due:
            since = recipient.last_sent_at or week - timedelta(days=7)
            new = await self._stats.finished_since(recipient.centre_id, since)
            if new == 0:  # nothing new: this week is done without a message
                await self._repo.settle(recipient.staff_id, week, None)
                report.skipped += 1
                continue
            if recipient.centre_id not in reports:
                reports[recipient.centre_id] = await self._stats.report_unchecked(
                    Scope(recipient.centre_id), Period.WEEK
                )
            letters.append(self._letter(recipient, reports[recipient.centre_id], new, week, now))
        return letters

    def _letter(
        self,
        recipient: DigestRecipient,
        stats: StatsReport,
        new: int,
        week: datetime,
        now: datetime,
    ) -> Letter:
        locale = pick_locale(recipient.locale, recipient.language_code, self._i18n.default_locale)
        with self._i18n.context(), self._i18n.use_locale(locale):
            text, markup = self._render(recipient, stats, new, self._stats.min_group)

        async def settle(outcome: SendOutcome) -> None:
            sent_at = now if isinstance(outcome, Delivered) else None
            await self._repo.settle(recipient.staff_id, week, sent_at)
            if not isinstance(outcome, Delivered):
                log.warning("digest to %d not delivered: %s", recipient.user_id, outcome)

        return Letter(
            recipient.user_id,
            text,
            markup,
            claim=partial(self._repo.claim, recipient.staff_id, week),
            release=partial(self._repo.release, recipient.staff_id),
            settle=settle,
        )

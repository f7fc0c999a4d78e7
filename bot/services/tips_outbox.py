"""The tips outbox as a delivery source: due rows of active subscribers, rendered in
each student's language; rows too late to be useful are skipped, never dumped at once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.broadcast import Blocked, Delivered, SendOutcome
from bot.db.tips import DueTip, TipOutcome, TipsRepo
from bot.domain import OutboxStatus
from bot.i18n import pick_locale
from bot.services.delivery import Letter, SourceReport
from bot.services.group_commit import GroupCommit
from bot.tips.catalogue import Tip, TipCatalogue
from bot.tips.planner import select_due

log = logging.getLogger(__name__)

TipRenderer = Callable[[TipCatalogue, Tip, str], tuple[str, InlineKeyboardMarkup | None]]


class TipsOutbox:
    name = "tips"

    def __init__(
        self,
        *,
        repo: TipsRepo,
        catalogue: TipCatalogue,
        i18n: I18n,
        render: TipRenderer,
        grace: timedelta,
        batch: int = 1000,
    ) -> None:
        self._repo = repo
        self._catalogue = catalogue
        self._i18n = i18n
        self._render = render
        self._grace = grace
        self._batch = batch
        # Claims and outcomes of letters sent at about the same moment share a statement.
        self._claim = GroupCommit(repo.claim)
        self._settle = GroupCommit(repo.settle)
        # The catalogue is loaded once and never changes while the bot runs, so each tip
        # is rendered once per language for the life of the process (a few hundred
        # screens at most), not again every round: rendering was about a tenth of a
        # round of a thousand letters.
        self._screens: dict[tuple[str, str], tuple[str, InlineKeyboardMarkup | None]] = {}

    async def recover(self) -> None:
        """Rows a crash left half-sent go back to the queue (sent again at most once)."""
        released = await self._repo.release_interrupted()
        if released:
            log.warning("%d tip(s) interrupted mid-send are queued again", released)

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        due = await self._repo.due(now, self._batch)
        by_id = {item.tip.id: item for item in due}
        send, skip = select_due(
            [item.tip for item in due],
            now,
            self._grace,
        )
        await self._repo.mark([row.id for row in skip], OutboxStatus.SKIPPED, "stale when due")
        report.skipped += len(skip)
        letters: list[Letter] = []
        gone: list[int] = []
        screens = self._screens
        for row in send:
            item = by_id[row.id]
            tip = self._catalogue.get(item.tip.tip_id)
            if tip is None:
                gone.append(row.id)
                continue
            locale = pick_locale(item.locale, item.language_code, self._i18n.default_locale)
            if (tip.id, locale) not in screens:
                with self._i18n.context(), self._i18n.use_locale(locale):
                    screens[tip.id, locale] = self._render(self._catalogue, tip, locale)
            letters.append(self._letter(item, *screens[tip.id, locale], now))
        await self._repo.mark(gone, OutboxStatus.SKIPPED, "the tip is no longer in the catalogue")
        report.skipped += len(gone)
        return letters

    def _letter(
        self, item: DueTip, text: str, markup: InlineKeyboardMarkup | None, now: datetime
    ) -> Letter:
        row_id = item.tip.id
        settle = self._settle.submit

        def settled(outcome: SendOutcome) -> Awaitable[None]:
            if isinstance(outcome, Delivered):
                return settle(
                    TipOutcome(row_id, OutboxStatus.SENT, now, message_id=outcome.message_id)
                )
            if isinstance(outcome, Blocked):
                return settle(TipOutcome(row_id, OutboxStatus.CANCELLED, now, error=outcome.reason))
            return settle(TipOutcome(row_id, OutboxStatus.FAILED, now, error=outcome.reason))

        return Letter(
            item.tip.user_id,
            text,
            markup,
            claim=partial(self._claim.submit, row_id),
            release=partial(self._repo.release, row_id),
            settle=settled,
        )

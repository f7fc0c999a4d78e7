"""Learning tips: a student's subscription and the plan of tips it puts in the outbox.

The plan is pure (bot/tips/planner.py); this keeps it in SQLite. Sending what falls
due is the delivery's job (bot/services/tips_outbox.py feeds it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.db.tips import TipsRepo
from bot.domain import Subscription, SubscriptionStatus, Verdict
from bot.services.quiz import QuizService
from bot.tips.catalogue import TipCatalogue
from bot.tips.planner import Window, order_tips, reschedule, schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanSettings:
    """How a new series is planned (the student changes window, zone and interval)."""

    first_delay: timedelta
    interval: timedelta
    window: Window
    count: int
    timezone: str


@dataclass(frozen=True)
class Overview:
    subscription: Subscription | None
    pending: int
    next_due: datetime | None
    sent: int

    @property
    def subscribed(self) -> bool:
        sub = self.subscription
        return sub is not None and sub.status != SubscriptionStatus.STOPPED


class TipsService:
    """The student's choices: subscribe, pause, resume, stop, when and how often."""

    def __init__(
        self,
        *,
        repo: TipsRepo,
        quiz: QuizService,
        catalogue: TipCatalogue,
        clock: Clock,
        settings: PlanSettings,
    ) -> None:
        self._repo = repo
        self._quiz = quiz
        self.catalogue = catalogue
        self._clock = clock
        self.settings = settings

    async def subscribe(self, user_id: int) -> Overview:
        """Start (or restart) the series; an active plan is left as it is."""
        now = self._clock.now()
        current = await self._repo.subscription(user_id)
        active = current is not None and current.status == SubscriptionStatus.ACTIVE
        if active and await self._repo.pending(user_id):
            return await self.overview(user_id)
        timezone = current.timezone if current else self.settings.timezone
        window = current.window if current else self.settings.window
        interval = current.interval if current else self.settings.interval
        await self._repo.save_subscription(
            user_id, SubscriptionStatus.ACTIVE, timezone, window, interval, now
        )
        plan = await self._plan(user_id, now, window, interval, ZoneInfo(timezone))
        await self._repo.replace_plan(user_id, plan, now)
        log.info("user %d subscribed to tips: %d planned", user_id, len(plan))
        return await self.overview(user_id)

    async def pause(self, user_id: int) -> Overview:
        await self._repo.set_status(user_id, SubscriptionStatus.PAUSED, self._clock.now())
        return await self.overview(user_id)

    async def resume(self, user_id: int) -> Overview:
        sub = await self._repo.subscription(user_id)
        stopped = sub is None or sub.status == SubscriptionStatus.STOPPED
        if stopped or not await self._repo.pending(user_id):
            return await self.subscribe(user_id)
        await self._repo.set_status(user_id, SubscriptionStatus.ACTIVE, self._clock.now())
        await self._reschedule(await self._require(user_id))
        return await self.overview(user_id)

    async def stop(self, user_id: int) -> Overview:
        """Unsubscribe: every pending tip is cancelled at once."""
        await self._repo.set_status(user_id, SubscriptionStatus.STOPPED, self._clock.now())
        cancelled = await self._repo.cancel_pending(user_id)
        log.info("user %d stopped tips: %d cancelled", user_id, cancelled)
        return await self.overview(user_id)

    async def change(
        self,
        user_id: int,
        *,
        window: Window | None = None,
        timezone: str | None = None,
        interval: timedelta | None = None,
    ) -> Overview:
        """New time of day, zone or frequency; the pending tips move to fit."""
        sub = await self._repo.subscription(user_id)
        if sub is None:
            await self.subscribe(user_id)
            sub = await self._require(user_id)
        if timezone is not None:
            ZoneInfo(timezone)  # refuse unknown names before saving
        await self._repo.save_subscription(
            user_id,
            sub.status,
            timezone or sub.timezone,
            window or sub.window,
            interval or sub.interval,
            self._clock.now(),
        )
        await self._reschedule(await self._require(user_id))
        return await self.overview(user_id)

    async def feedback(self, user_id: int, tip_id: str, verdict: Verdict) -> bool:
        if tip_id not in self.catalogue:
            log.warning("refused feedback %s on %r from user %d", verdict, tip_id, user_id)
            return False
        await self._repo.feedback(user_id, tip_id, verdict, self._clock.now())
        return True

    async def overview(self, user_id: int) -> Overview:
        sub = await self._repo.subscription(user_id)
        pending = await self._repo.pending(user_id)
        return Overview(
            subscription=sub,
            pending=len(pending),
            next_due=pending[0].due_at if pending else None,
            sent=await self._repo.count_sent(user_id),
        )

    # --- internals ----------------------------------------------------------------------

    async def _require(self, user_id: int) -> Subscription:
        sub = await self._repo.subscription(user_id)
        if sub is None:
            raise LookupError(f"user {user_id} has no tips subscription")
        return sub

    async def _plan(
        self, user_id: int, now: datetime, window: Window, interval: timedelta, tz: ZoneInfo
    ) -> list[tuple[str, datetime]]:
        result = await self._quiz.latest_result(user_id)
        growth = result.profile.growth_areas if result else ()
        scores = result.profile.scores if result else {}
        sent = await self._repo.sent_tip_ids(user_id)
        ids = order_tips(self.catalogue, growth, scores, already_sent=sent)[: self.settings.count]
        times = schedule(len(ids), now, self.settings.first_delay, interval, window, tz)
        return list(zip(ids, times, strict=True))

    async def _reschedule(self, sub: Subscription) -> None:
        pending = await self._repo.pending(sub.user_id)
        if not pending:
            return
        moved = reschedule(
            [row.pending for row in pending],
            self._clock.now(),
            first_delay=self.settings.first_delay,
            interval=sub.interval,
            window=sub.window,
            tz=sub.tz,
        )
        await self._repo.set_due_times([(row.id, row.due_at) for row in moved])

"""Learning tips: a plan per student in the outbox, delivered by a regular tick.

The plan and the due selection are pure (bot/tips/planner.py); this is the shell:
it reads the clock, keeps rows in SQLite and sends through the shared Sender. The
scheduler only calls `tick()`; a restart loses nothing because every decision is
made again from the rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.broadcast import Blocked, Delivered, Sender
from bot.clock import Clock
from bot.db.tips import Subscription, TipsRepo
from bot.db.users import UsersRepo
from bot.i18n import pick_locale, user_locale
from bot.quiz import QuizRun
from bot.services.quiz import Position, QuizService
from bot.tips.catalogue import Tip, TipCatalogue
from bot.tips.planner import (
    PendingTip,
    Window,
    in_window,
    order_tips,
    reschedule,
    schedule,
    select_due,
)

log = logging.getLogger(__name__)

ACTIVE, PAUSED, STOPPED = "active", "paused", "stopped"
SEND_CONCURRENCY = 8

Screen = tuple[str, InlineKeyboardMarkup | None]


class _NotWanted(Exception):
    """The row must not be sent after all (paused, stopped, blocked, cancelled)."""


TipRenderer = Callable[[TipCatalogue, Tip, str], Screen]
ReminderRenderer = Callable[[QuizRun, str], Screen]


@dataclass(frozen=True)
class TipsConfig:
    first_delay: timedelta
    interval: timedelta
    window: Window
    grace: timedelta
    count: int
    reminder_delay: timedelta
    timezone: str
    default_locale: str
    batch: int = 1000


@dataclass(frozen=True)
class Overview:
    subscription: Subscription | None
    pending: int
    next_due: datetime | None
    sent: int

    @property
    def window(self) -> Window | None:
        if self.subscription is None:
            return None
        return Window(self.subscription.window_start, self.subscription.window_end)


@dataclass
class TickReport:
    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    failed: int = 0
    reminded: int = 0
    errors: list[str] = field(default_factory=list)


class TipsService:
    def __init__(
        self,
        *,
        bot: Bot,
        repo: TipsRepo,
        users: UsersRepo,
        quiz: QuizService,
        catalogue: TipCatalogue,
        sender: Sender,
        clock: Clock,
        config: TipsConfig,
        i18n: I18n,
        render_tip: TipRenderer,
        render_reminder: ReminderRenderer,
    ) -> None:
        self._bot = bot
        self._repo = repo
        self._users = users
        self._quiz = quiz
        self.catalogue = catalogue
        self._sender = sender
        self._clock = clock
        self.config = config
        self._i18n = i18n
        self._render_tip = render_tip
        self._render_reminder = render_reminder
        self._tick_lock = asyncio.Lock()

    # --- the student's choices ----------------------------------------------------------

    async def subscribe(self, user_id: int) -> Overview:
        """Start (or restart) the series; an active plan is left as it is."""
        now = self._clock.now()
        current = await self._repo.subscription(user_id)
        if current is not None and current.status == ACTIVE and await self._repo.pending(user_id):
            return await self.overview(user_id)
        timezone = current.timezone if current else self.config.timezone
        window = Window(current.window_start, current.window_end) if current else self.config.window
        interval = timedelta(seconds=current.interval_seconds) if current else self.config.interval
        await self._repo.save_subscription(
            user_id,
            ACTIVE,
            timezone,
            (window.start_hour, window.end_hour),
            int(interval.total_seconds()),
            now,
        )
        plan = await self._plan(user_id, now, window, interval, ZoneInfo(timezone))
        await self._repo.replace_plan(user_id, plan, now)
        log.info("user %d subscribed to tips: %d planned", user_id, len(plan))
        return await self.overview(user_id)

    async def pause(self, user_id: int) -> Overview:
        await self._repo.set_status(user_id, PAUSED, self._clock.now())
        return await self.overview(user_id)

    async def resume(self, user_id: int) -> Overview:
        sub = await self._repo.subscription(user_id)
        if sub is None or sub.status == STOPPED or not await self._repo.pending(user_id):
            return await self.subscribe(user_id)
        await self._repo.set_status(user_id, ACTIVE, self._clock.now())
        await self._reschedule(await self._require(user_id))
        return await self.overview(user_id)

    async def stop(self, user_id: int) -> Overview:
        """Unsubscribe: every pending tip is cancelled at once."""
        await self._repo.set_status(user_id, STOPPED, self._clock.now())
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
        new_window = window or Window(sub.window_start, sub.window_end)
        new_interval = interval or timedelta(seconds=sub.interval_seconds)
        await self._repo.save_subscription(
            user_id,
            sub.status,
            timezone or sub.timezone,
            (new_window.start_hour, new_window.end_hour),
            int(new_interval.total_seconds()),
            self._clock.now(),
        )
        await self._reschedule(await self._require(user_id))
        return await self.overview(user_id)

    async def feedback(self, user_id: int, tip_id: str, verdict: str) -> bool:
        if tip_id not in self.catalogue or verdict not in ("useful", "not_for_me"):
            log.warning("refused feedback %r on %r from user %d", verdict, tip_id, user_id)
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

    # --- delivery -----------------------------------------------------------------------

    async def recover(self) -> None:
        """At start-up: rows a crash left half-sent go back to the queue."""
        released = await self._repo.release_interrupted()
        if released:
            log.warning("%d tip(s) interrupted mid-send are queued again", released)

    async def tick(self) -> TickReport:
        """Send what is due, skip what is stale, nudge stalled quiz takers. Never raises."""
        report = TickReport()
        if self._tick_lock.locked():
            return report  # the previous tick is still sending
        async with self._tick_lock:
            try:
                await self._deliver_due(report)
                await self._remind_stalled(report)
            except Exception as exc:  # the scheduler must keep ticking; the log says why
                log.exception("tips tick failed")
                report.errors.append(str(exc))
        if report.sent or report.skipped or report.blocked or report.failed or report.reminded:
            log.info("tips tick: %s", report)
        return report

    async def _deliver_due(self, report: TickReport) -> None:
        now = self._clock.now()
        due = await self._repo.due(now, self.config.batch)
        by_id = {item.row.id: item for item in due}
        send, skip = select_due(
            [PendingTip(d.row.id, d.row.user_id, d.row.tip_id, d.row.due_at) for d in due],
            now,
            self.config.grace,
        )
        await self._repo.mark([row.id for row in skip], "skipped", "stale when its time came")
        report.skipped += len(skip)
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def one(row: PendingTip) -> None:
            async with gate:
                item = by_id[row.id]
                locale = pick_locale(item.locale, item.language_code, self.config.default_locale)
                await self._send_tip(row, locale, report)

        results = await asyncio.gather(*(one(row) for row in send), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("a tip send failed", exc_info=result)

    async def _send_tip(self, row: PendingTip, locale: str, report: TickReport) -> None:
        tip = self.catalogue.get(row.tip_id)
        if tip is None:
            await self._repo.mark([row.id], "skipped", "the tip is no longer in the catalogue")
            report.skipped += 1
            return
        with self._i18n.context(), self._i18n.use_locale(locale):
            text, markup = self._render_tip(self.catalogue, tip, locale)

        async def call() -> Message:
            # Claimed at the last moment (again after a 429 pause): a student who
            # paused, stopped or blocked meanwhile gets nothing.
            if not await self._repo.claim(row.id):
                raise _NotWanted
            return await self._bot.send_message(row.user_id, text, reply_markup=markup)

        try:
            outcome = await self._sender.deliver(call, row.user_id)
        except _NotWanted:
            await self._repo.release(row.id)
            return
        except Exception:
            log.exception("tip %d for user %d failed", row.id, row.user_id)
            await self._repo.mark([row.id], "failed", "unexpected error, see the log")
            report.failed += 1
            return
        if isinstance(outcome, Delivered):
            await self._repo.mark_sent(row.id, outcome.message_id, self._clock.now())
            report.sent += 1
        elif isinstance(outcome, Blocked):
            await self.user_blocked(row.user_id)
            await self._repo.mark([row.id], "cancelled", outcome.reason)
            report.blocked += 1
        else:
            await self._repo.mark([row.id], "failed", outcome.reason)
            report.failed += 1

    async def user_blocked(self, user_id: int) -> None:
        """The student blocked the bot: remember it and cancel everything planned."""
        await self._users.mark_blocked(user_id, self._clock.now())
        cancelled = await self._repo.cancel_pending(user_id)
        log.info("user %d blocked the bot: %d pending tip(s) cancelled", user_id, cancelled)

    async def _remind_stalled(self, report: TickReport) -> None:
        delay = self.config.reminder_delay
        if delay <= timedelta(0):
            return
        now = self._clock.now()
        for attempt_id, user_id in await self._repo.stalled_attempts(now - delay, 100):
            if not await self._in_students_window(user_id, now):
                continue  # not at night: asked again on a later tick
            if not await self._repo.mark_reminded(attempt_id, now):
                continue
            current = await self._quiz.current(user_id)
            if not isinstance(current, Position) or current.attempt.id != attempt_id:
                continue
            user = await self._users.get(user_id)
            locale = user_locale(user, None, self.config.default_locale)
            with self._i18n.context(), self._i18n.use_locale(locale):
                text, markup = self._render_reminder(current.run, locale)
            outcome = await self._sender.send_message(self._bot, user_id, text, reply_markup=markup)
            if isinstance(outcome, Blocked):
                await self.user_blocked(user_id)
            elif isinstance(outcome, Delivered):
                report.reminded += 1

    async def wait_idle(self, grace: float) -> None:
        """Let a tick that is sending finish (at shutdown), at most `grace` seconds."""
        try:
            async with asyncio.timeout(grace), self._tick_lock:
                pass
        except TimeoutError:
            log.warning("shutdown: the tips tick was still sending after %.0fs", grace)

    # --- internals ----------------------------------------------------------------------

    async def _in_students_window(self, user_id: int, now: datetime) -> bool:
        sub = await self._repo.subscription(user_id)
        if sub is not None:
            return in_window(now, Window(sub.window_start, sub.window_end), ZoneInfo(sub.timezone))
        return in_window(now, self.config.window, ZoneInfo(self.config.timezone))

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
        ids = order_tips(self.catalogue, growth, scores, already_sent=sent)[: self.config.count]
        times = schedule(len(ids), now, self.config.first_delay, interval, window, tz)
        return list(zip(ids, times, strict=True))

    async def _reschedule(self, sub: Subscription) -> None:
        pending = await self._repo.pending(sub.user_id)
        if not pending:
            return
        moved = reschedule(
            [PendingTip(r.id, r.user_id, r.tip_id, r.due_at) for r in pending],
            self._clock.now(),
            first_delay=self.config.first_delay,
            interval=timedelta(seconds=sub.interval_seconds),
            window=Window(sub.window_start, sub.window_end),
            tz=ZoneInfo(sub.timezone),
        )
        await self._repo.set_due_times([(row.id, row.due_at) for row in moved])

"""The one path for every message sent to many people: tips, reminders, and later
broadcasts and digests.

Each kind of mass message is a :class:`Source`: on every tick it says what is due,
already rendered, as :class:`Letter` objects that know how to claim their row right
before the request and how to record the outcome. The delivery sends them all
through the one rate-limited :class:`~bot.broadcast.Sender`, so every source shares
one budget (429 pauses everyone), and a 403 marks the student as having blocked the
bot, whichever source was sending. The scheduler only calls :meth:`Delivery.tick`;
everything that must survive a restart lives in the sources' rows.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup

from bot.broadcast import Blocked, Delivered, Failed, Sender, SendOutcome, Sent
from bot.clock import Clock

log = logging.getLogger(__name__)

MIN_CONCURRENCY = 8
MAX_CONCURRENCY = 100
REQUEST_SECONDS = 0.1
"""A slow Bot API request; fast ones take 5-20 ms."""


MAX_ROUNDS_PER_TICK = 1000
"""Rounds one tick may run (a safety net: each round moves something, or the tick ends)."""


def send_concurrency(rate: float) -> int:
    """How many letters are sent at once to keep up `rate` messages a second.

    Requests in flight = rate x time per request (Little's law); sized for requests
    of up to REQUEST_SECONDS, so 8 for the free 25-30 a second and 100 at the paid
    1000 a second. Each letter in flight holds one claimed row and one connection.
    """
    return max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, math.ceil(rate * REQUEST_SECONDS)))


async def _always() -> bool:
    return True


async def _nothing() -> None:
    return None


async def _ignore(outcome: SendOutcome) -> None:
    return None


@dataclass(slots=True)
class Letter:
    """One rendered message for one chat, with its source's bookkeeping. Nobody changes a
    letter once built; it is not frozen only because a frozen dataclass takes three
    times as long to build, and a round builds thousands.

    `claim` runs right before each try (again after a 429 pause): False means the
    message must not go after all (the student paused, stopped or blocked meanwhile),
    and `release` then gives the row back. `settle` records the final outcome.

    `paid` sends the letter as a paid broadcast (`allow_paid_broadcast`: above the free
    ~30 a second, Telegram charges Stars from the bot's balance). Only broadcasts set
    it, and only when the operator allowed it (PAID_BROADCAST); tips, reminders and
    digests never do. A source whose letters are sent another way (a copy, a photo)
    subclasses Letter, overrides `send`, and must pass `allow_paid_broadcast` on as
    :meth:`send` does: ``allow_paid_broadcast=self.paid or None`` (None leaves the
    parameter out of the request).
    """

    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None
    claim: Callable[[], Awaitable[bool]] = _always
    release: Callable[[], Awaitable[None]] = _nothing
    settle: Callable[[SendOutcome], Awaitable[None]] = _ignore
    paid: bool = False

    async def send(self, bot: Bot) -> Sent:
        """One request for this letter: a Message, or the MessageId of a copy."""
        return await bot.send_message(
            self.chat_id,
            self.text,
            reply_markup=self.markup,
            allow_paid_broadcast=self.paid or None,
        )


@dataclass
class SourceReport:
    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    failed: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.skipped or self.blocked or self.failed)


class Source(Protocol):
    """A kind of mass message (tips, reminders, ...)."""

    name: str

    async def recover(self) -> None:
        """At start-up: undo what a crash left half-done (e.g. rows left 'sending')."""

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        """What is due now, rendered; rows that will never go are settled here (skipped)."""


@dataclass
class TickReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def of(self, name: str) -> SourceReport:
        return self.sources.setdefault(name, SourceReport())

    def __str__(self) -> str:
        parts = [f"{name} {vars(report)}" for name, report in self.sources.items() if report]
        return "; ".join(parts + self.errors) or "nothing to do"


class _NotWanted(Exception):
    """The letter must not be sent after all: its claim was refused."""


def _moved(report: SourceReport) -> int:
    """Letters and rows settled so far (sent, skipped, blocked or failed)."""
    return report.sent + report.skipped + report.blocked + report.failed


def _log_failure(task: asyncio.Task[TickReport]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a woken delivery tick failed", exc_info=task.exception())


class Delivery:
    """Runs the sources' letters through the sender, one tick at a time.

    A tick goes in rounds until there is nothing left to do: each round asks every
    source for what is due (a source may hand out a big job in batches, e.g. 200
    recipients of a broadcast at a time), then sends that round's letters together.
    So a 10 000-recipient broadcast goes out in one tick, and tips and reminders that
    fall due meanwhile get their turn every round instead of waiting behind it.

    The tick ends after a round that moved nothing (no letter sent, failed, blocked
    or skipped: nothing was due, or every claim was refused). A source whose letters
    were all refused, or whose `collect` raised, sits out the rest of the tick so it
    cannot spin; and a tick stops after `max_rounds` rounds in any case (the next
    tick goes on). At shutdown the tick finishes the round it is sending and stops.
    """

    def __init__(
        self,
        *,
        bot: Bot,
        sender: Sender,
        sources: Sequence[Source],
        on_blocked: Callable[[int], Awaitable[None]],
        clock: Clock,
        max_rounds: int = MAX_ROUNDS_PER_TICK,
    ) -> None:
        self._bot = bot
        self._sender = sender
        self._sources = tuple(sources)
        self._on_blocked = on_blocked
        self._clock = clock
        self._max_rounds = max_rounds
        self._lock = asyncio.Lock()
        self._concurrency = send_concurrency(sender.rate)
        self._stopping = False
        self._look_again = False
        self._woken: asyncio.Task[TickReport] | None = None

    async def recover(self) -> None:
        for source in self._sources:
            await source.recover()

    async def tick(self) -> TickReport:
        """Send what every source has due, round after round until none has more.
        Never raises."""
        report = TickReport()
        if self._stopping or self._lock.locked():
            return report  # shutting down, or the previous tick is still sending
        async with self._lock:
            await self._drain(report)
        if any(report.sources.values()) or report.errors:
            log.info("delivery tick: %s", report)
        return report

    def wake(self) -> None:
        """Start a tick now, in the background, instead of at the next scheduled one
        (e.g. right after a handler queued a broadcast).

        If a tick is already running it is not doubled: it looks once more before it
        ends, so what was queued just now is not left for the next scheduled tick.
        Does nothing once shutdown began.
        """
        if self._stopping:
            return
        if self._lock.locked() or (self._woken is not None and not self._woken.done()):
            self._look_again = True
            return
        self._woken = asyncio.create_task(self.tick(), name="delivery-wake")
        self._woken.add_done_callback(_log_failure)

    @property
    def running(self) -> bool:
        """A tick is sending (scheduled or woken)."""
        return self._lock.locked()

    async def wait_idle(self, grace: float) -> None:
        """At shutdown: no new tick or round starts; let the round being sent finish, at
        most `grace` seconds."""
        self._stopping = True
        try:
            async with asyncio.timeout(grace):
                async with self._lock:
                    pass
                if self._woken is not None:
                    await asyncio.wait([self._woken])
        except TimeoutError:
            log.warning("shutdown: delivery was still sending after %.0fs", grace)

    async def _drain(self, report: TickReport) -> None:
        active = list(self._sources)
        for _ in range(self._max_rounds):
            self._look_again = False
            collected: list[tuple[Source, SourceReport, int, Sequence[Letter]]] = []
            now = self._clock.now()
            for source in active:
                source_report = report.of(source.name)
                before = _moved(source_report)
                try:
                    due = await source.collect(now, source_report)
                except Exception as exc:  # the scheduler must keep ticking; the log says why
                    log.exception("delivery of %s failed", source.name)
                    report.errors.append(f"{source.name}: {exc}")
                    continue  # sits out the rest of this tick
                collected.append((source, source_report, before, due))
            await self._send_all([(due, source_report) for _, source_report, _, due in collected])
            moved = 0
            active = []
            for source, source_report, before, due in collected:
                progress = _moved(source_report) - before
                moved += progress
                if due and not progress:  # all refused: asking again now would spin
                    log.info(
                        "%s: all %d letter(s) refused, left for the next tick",
                        source.name,
                        len(due),
                    )
                else:
                    active.append(source)
            if self._stopping or not active or not (moved or self._look_again):
                return
        log.warning("delivery tick stopped after %d rounds; the next one goes on", self._max_rounds)

    async def _send_all(self, batches: Sequence[tuple[Sequence[Letter], SourceReport]]) -> None:
        """Send a round's letters, `concurrency` at a time: that many workers take the
        next letter as they finish one. No task per letter, and each letter is taken
        from its source's sequence only then (a source may build them as they are
        taken), so a round of thousands starts at once."""
        queue = ((letter, report) for due, report in batches for letter in due)
        total = sum(len(due) for due, _ in batches)

        async def worker() -> None:
            for letter, report in queue:
                try:
                    await self._send(letter, report)
                except Exception:  # one letter's trouble must not stop the others
                    log.exception("a send failed")

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, total))))

    async def _send(self, letter: Letter, report: SourceReport) -> None:
        async def call() -> Sent:
            if not await letter.claim():
                raise _NotWanted
            return await letter.send(self._bot)

        outcome: SendOutcome
        try:
            outcome = await self._sender.deliver(call, letter.chat_id)
        except _NotWanted:
            await letter.release()
            return
        except Exception:
            log.exception("sending to chat %d failed", letter.chat_id)
            outcome = Failed("unexpected error, see the log")
        if isinstance(outcome, Delivered):
            report.sent += 1
        elif isinstance(outcome, Blocked):
            report.blocked += 1
            await self._on_blocked(letter.chat_id)
        else:
            report.failed += 1
        await letter.settle(outcome)

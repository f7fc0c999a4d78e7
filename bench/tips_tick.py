"""One scheduler tick of the tips job with 1 000 tips due, at 10 000, 100 000 and
1 000 000 subscribed students (`BENCH_TIPS_SUBSCRIBERS=100000` for one size).

The database is real (SQLite file, all migrations, 5 planned tips per student, so
500 000 outbox rows at 100 000 students); the Bot API is a stub that answers at once,
so the figure is the bot's own cost: selecting, claiming, rendering, the sender's
bookkeeping and marking. Sending to Telegram is bounded by SEND_RATE on top of this
(1 000 tips at 25/s take 40 s). Each size is filled once; the delivery objects are
built once over it, as at the bot's start-up, and tick ten times, the sent tips put
back in the queue between ticks. The figure is the median of the last nine: a bot that
has been running a while (five ticks let one slow spell of this shared machine, a few
seconds long, decide the median: 53 ms at 10 000 with ticks from 47 to 75 ms).
Between ticks SQLite's page cache is emptied, so each tick reads its rows as after days
of other work (from the operating system's file cache). The first tick, which also
renders each tip once, is printed beside it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.types import MessageId

from bench.summary import Figure
from bot.app import freeze_startup_objects
from bot.broadcast import Sender
from bot.clock import FrozenClock, to_db
from bot.db import Database, apply_migrations, open_database
from bot.db.attempts import AttemptsRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.i18n import build_i18n
from bot.quiz import load_quizzes
from bot.services.delivery import Delivery
from bot.services.quiz import QuizService
from bot.services.reminders import QuizReminders
from bot.services.tips_outbox import TipsOutbox
from bot.tips.catalogue import load_tips
from bot.tips.planner import Window
from handlers.tips import reminder_screen, tip_screen

ROOT = Path(__file__).resolve().parents[1]
SIZES = tuple(
    int(n) for n in os.environ.get("BENCH_TIPS_SUBSCRIBERS", "10000,100000,1000000").split(",")
)
PER_USER = 5
DUE = 1_000
TICKS = 9
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class StubBot:
    """Answers sendMessage at once, like a Bot API that never makes us wait."""

    def __init__(self) -> None:
        self.sent = 0

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> MessageId:
        self.sent += 1
        return MessageId(message_id=self.sent)


async def fill(path: Path, users: int) -> None:
    db = await open_database(path)
    await apply_migrations(db)
    catalogue = load_tips(ROOT / "quizzes" / "tips.yaml")
    tip_ids = list(catalogue.ids)
    stamp = to_db(NOW - timedelta(days=1))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at, last_seen_at)"
            " VALUES (?, 'Student', 'ru', ?, ?)",
            [(uid, stamp, stamp) for uid in range(1, users + 1)],
        )
        await tx.executemany(
            "INSERT INTO tip_subscriptions (user_id, status, timezone, window_start, window_end,"
            " interval_seconds, created_at, updated_at)"
            " VALUES (?, 'active', 'Europe/Moscow', 0, 24, 172800, ?, ?)",
            [(uid, stamp, stamp) for uid in range(1, users + 1)],
        )
        rows = []
        for uid in range(1, users + 1):
            for position in range(PER_USER):
                # The first DUE students have their first tip due a minute ago.
                due = (
                    NOW - timedelta(minutes=1)
                    if uid <= DUE and position == 0
                    else (NOW + timedelta(days=2 * position + 1, minutes=uid % 600))
                )
                rows.append(
                    (uid, tip_ids[(uid + position) % len(tip_ids)], position, to_db(due), stamp)
                )
        await tx.executemany(
            "INSERT INTO tip_outbox (user_id, tip_id, position, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    await db.close()


class DeliverySide:
    """The delivery side as the bot builds it at start-up, over one database: the
    objects live as long as the process, so caches they keep (rendered tips) are warm
    from the second tick on, as in a bot that has been running a while."""

    def __init__(self, db: Database) -> None:
        clock = FrozenClock(NOW)
        i18n = build_i18n("ru")
        quizzes = load_quizzes(ROOT / "quizzes")
        catalogue = load_tips(ROOT / "quizzes" / "tips.yaml")
        attempts, tips_repo = AttemptsRepo(db), TipsRepo(db)
        self.outbox = TipsOutbox(
            repo=tips_repo,
            catalogue=catalogue,
            i18n=i18n,
            render=tip_screen,
            grace=timedelta(hours=12),
        )
        reminders = QuizReminders(
            attempts=attempts,
            quiz=QuizService(attempts, quizzes, clock),
            users=UsersRepo(db),
            tips=tips_repo,
            i18n=i18n,
            render=reminder_screen,
            delay=timedelta(days=1),
            window=Window(0, 24),
            timezone="Europe/Moscow",
        )

        async def nobody_blocks(user_id: int) -> None:
            raise AssertionError("the stub never answers 403")

        self.delivery = Delivery(
            bot=StubBot(),  # type: ignore[arg-type]
            sender=Sender(rate=1_000_000),
            sources=(self.outbox, reminders),
            on_blocked=nobody_blocks,
            clock=clock,
        )

    async def tick(self) -> tuple[float, float]:
        """One delivery tick, the tips outbox and the quiz reminders both collected:
        wall and CPU (all threads) milliseconds."""
        started, cpu = time.perf_counter(), time.process_time()
        report = await self.delivery.tick()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert report.of(self.outbox.name).sent == DUE, report
        return elapsed * 1000, cpu * 1000


async def due_again(db: Database) -> None:
    """Put the tips a tick sent back in the queue, as they were after filling,
    checkpoint the WAL and empty SQLite's page cache, so that every tick starts from
    the same state and reads its rows as a fresh connection would."""
    await db.run(
        "UPDATE tip_outbox SET status = 'pending', attempts = 0, sent_at = NULL,"
        " message_id = NULL, last_error = NULL WHERE status != 'pending'"
    )
    await db.run("PRAGMA wal_checkpoint(TRUNCATE)")
    # And out of SQLite's page cache: a real tick reads rows written days ago.
    await db.run("PRAGMA shrink_memory")
    # The sender keeps each chat to one message a second, as Telegram asks: the bot
    # ticks a minute apart, so let the second pass before the same chats get tips again.
    await asyncio.sleep(1.0)


async def run(users: int) -> Figure:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        await fill(path, users)
        fill_time = time.perf_counter() - started
        db = await open_database(path)
        try:
            side = DeliverySide(db)
            freeze_startup_objects()  # as `careerbot run` does once it is built
            first, _ = await side.tick()
            times, cpus = [], []
            for _ in range(TICKS):
                await due_again(db)
                elapsed, cpu = await side.tick()
                times.append(elapsed)
                cpus.append(cpu)
        finally:
            await db.close()
    print(
        f"tips tick, {users:,} subscribers, {users * PER_USER:,} planned, {DUE:,} due:"
        f" median {statistics.median(times):.0f} ms (min {min(times):.0f},"
        f" max {max(times):.0f}, {TICKS} ticks after the first; the first, which renders"
        f" the tips, took {first:.0f} ms; SQLite's page cache emptied before each tick;"
        f" stub Bot API, no rate limit; goal 50 ms at 100 000), CPU of all threads median"
        f" {statistics.median(cpus):.0f} ms; filling the database took {fill_time:.0f} s"
    )
    return Figure(
        f"a tips tick, {DUE:,} due of {users:,} subscribers, no network (median of {TICKS})",
        f"{statistics.median(times):.0f} ms",
        goal="≤ 50 ms, flat as subscribers grow",
    )


def main() -> list[Figure]:
    return [asyncio.run(run(users)) for users in SIZES]


if __name__ == "__main__":
    main()

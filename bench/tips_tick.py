"""One scheduler tick of the tips job with 1 000 tips due, at 10 000, 100 000 and
1 000 000 subscribed students (`BENCH_TIPS_SUBSCRIBERS=100000` for one size), beside a
plain outbox doing the same sends on the same database in the same run.

The database is real (SQLite file, all migrations, 5 planned tips per student, so
500 000 outbox rows at 100 000 students); the Bot API is a stub that answers at once,
so the figure is the bot's own cost: selecting, claiming, rendering, the sender's
bookkeeping and marking. Sending to Telegram is bounded by SEND_RATE on top of this
(1 000 tips at 25/s take 40 s). Each size is filled once; the delivery objects are
built once over it, as at the bot's start-up, and tick again and again, the sent tips
put back in the queue between ticks. Between ticks SQLite's page cache is emptied, so
each tick reads its rows as after days of other work (from the operating system's file
cache). The first tick, which also renders each tip once, is printed beside the rest.

The baseline: this machine's speed swings from one second to the next (the same tick
took 50 ms and 95 ms a few seconds apart, its CPU time with it), so a figure alone says
as much about the machine as about the bot. Each bot tick is therefore paired with a
tick of a plain outbox over the same rows: aiosqlite, the due rows in the same order,
then per hundred rows (the bot's letters in flight at this rate) one statement claiming
them and one recording them sent, a stub like the bot's answering each send in turn.
It has no rate limiter and no workers (its sends go one after another), no planner
rules (stale rows, one tip per student), no look at the student's subscription or
language, no rendered text or buttons, no count of attempts, no failures to record, no
other source and no second look for more due rows. The two alternate (the bot first in
one pair, the plain outbox first in the next, PAIRS pairs), so both meet the same
machine. The figure is the median of the bot's ticks after the first, the fastest
beside it; the ratio is the median's over the plain outbox's median, and the median of
the pairs' own ratios is printed beside it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from aiogram.types import MessageId

from bench.summary import Figure, ratio
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
PAIRS = 16
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

    async def tick(self) -> None:
        """One delivery tick, the tips outbox and the quiz reminders both collected."""
        report = await self.delivery.tick()
        assert report.of(self.outbox.name).sent == DUE, report


async def due_again(db: Database) -> None:
    """Put the tips a tick sent back in the queue, as they were after filling,
    checkpoint the WAL and empty SQLite's page cache, so that every tick starts from
    the same state and reads its rows as a fresh connection would."""
    await db.run(
        "UPDATE tip_outbox SET status = 'pending', attempts = 0, sent_at = NULL,"
        " message_id = NULL, last_error = NULL WHERE user_id <= ? AND status != 'pending'",
        (DUE,),  # only the first DUE students have a tip due (fill)
    )
    await db.run("PRAGMA wal_checkpoint(TRUNCATE)")
    # And out of SQLite's page cache: a real tick reads rows written days ago.
    await db.run("PRAGMA shrink_memory")
    # The sender keeps each chat to one message a second, as Telegram asks: the bot
    # ticks a minute apart, so let the second pass before the same chats get tips again.
    await asyncio.sleep(1.0)


PLAIN_DUE = (
    "SELECT id, user_id, tip_id FROM tip_outbox WHERE status = 'pending' AND due_at <= ?"
    " ORDER BY due_at, id LIMIT ?"
)
PLAIN_CLAIM = (
    "UPDATE tip_outbox SET status = 'sending'"
    " WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending' RETURNING id"
)
PLAIN_SETTLE = (
    "UPDATE tip_outbox SET status = 'sent', sent_at = ?,"
    " message_id = json_extract(sent.value, '$[1]')"
    " FROM json_each(?) AS sent WHERE tip_outbox.id = json_extract(sent.value, '$[0]')"
)
PLAIN_CHUNK = 100


async def plain_tick(conn: aiosqlite.Connection, bot: StubBot, now: datetime) -> None:
    """A plain outbox sending the same tips (the module's docstring): the due rows, then
    per hundred rows one statement claiming them and, after their sends one by one, one
    recording them sent. The connection is in autocommit mode, so each statement
    commits on its own; nothing else uses it meanwhile (the bench awaits one tick at a
    time), so it goes around the Database's lock."""
    rows = list(await conn.execute_fetchall(PLAIN_DUE, (to_db(now), DUE)))
    stamp = to_db(now)
    texts: dict[str, str] = {}
    for start in range(0, len(rows), PLAIN_CHUNK):
        chunk = rows[start : start + PLAIN_CHUNK]
        ids = json.dumps([row[0] for row in chunk])
        claimed = {row[0] for row in await conn.execute_fetchall(PLAIN_CLAIM, (ids,))}
        done = []
        for row_id, user_id, tip_id in chunk:
            if row_id in claimed:
                text = texts.get(tip_id) or texts.setdefault(tip_id, f"tip {tip_id}")
                message = await bot.send_message(user_id, text)
                done.append((row_id, message.message_id))
        await conn.execute_fetchall(PLAIN_SETTLE, (stamp, json.dumps(done)))


async def all_sent(db: Database) -> None:
    """After a tick, outside its timing: every due tip is recorded sent, none is left
    claimed."""
    sent = await db.fetchval(
        "SELECT COUNT(*) FROM tip_outbox WHERE user_id <= ? AND status = 'sent'", (DUE,)
    )
    claimed = await db.fetchval("SELECT COUNT(*) FROM tip_outbox WHERE status = 'sending'")
    assert (sent, claimed) == (DUE, 0), (sent, claimed)


async def timed(tick: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Wall and CPU (all threads) milliseconds of one tick."""
    started, cpu = time.perf_counter(), time.process_time()
    await tick()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed * 1000, cpu * 1000


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
            first, _ = await timed(side.tick)
            await all_sent(db)
            plain_bot = StubBot()

            async def plain() -> None:
                await plain_tick(db.connection, plain_bot, NOW)

            await due_again(db)
            await plain()  # its statements prepared once, as the bot's first tick did
            bot_ticks: list[tuple[float, float]] = []
            plain_ticks: list[tuple[float, float]] = []
            for pair in range(PAIRS):
                turns = [(side.tick, bot_ticks), (plain, plain_ticks)]
                for tick, into in turns if pair % 2 == 0 else reversed(turns):
                    await due_again(db)
                    into.append(await timed(tick))
                    await all_sent(db)
        finally:
            await db.close()
    times, cpus = [t for t, _ in bot_ticks], [c for _, c in bot_ticks]
    plains, plain_cpus = [t for t, _ in plain_ticks], [c for _, c in plain_ticks]
    median, plain_median = statistics.median(times), statistics.median(plains)
    paired = statistics.median(t / b for t, b in zip(times, plains, strict=True))
    print(
        f"tips tick, {users:,} subscribers, {users * PER_USER:,} planned, {DUE:,} due:"
        f" median {median:.0f} ms (fastest {min(times):.0f}, slowest {max(times):.0f},"
        f" {PAIRS} ticks after the first; the first, which renders the tips, took"
        f" {first:.0f} ms; SQLite's page cache emptied before each tick; stub Bot API, no"
        f" rate limit; goal 50 ms at 100 000), CPU of all threads median"
        f" {statistics.median(cpus):.0f} ms; a plain outbox over the same rows, its ticks"
        f" paired with these: median {plain_median:.0f} ms (fastest {min(plains):.0f},"
        f" slowest {max(plains):.0f}), CPU median {statistics.median(plain_cpus):.0f} ms;"
        f" the bot's median over the plain outbox's {ratio(median, plain_median)}, the"
        f" median of the pairs' ratios {paired:.2f}; filling the database took"
        f" {fill_time:.0f} s"
    )
    return Figure(
        f"a tips tick, {DUE:,} due of {users:,} subscribers, no network (median of {PAIRS})",
        f"{median:.0f} ms (fastest {min(times):.0f})",
        f"{plain_median:.0f} ms (a plain outbox, ticks paired)",
        ratio(median, plain_median),
        goal="≤ 50 ms, flat as subscribers grow",
    )


def main() -> list[Figure]:
    return [asyncio.run(run(users)) for users in SIZES]


if __name__ == "__main__":
    main()

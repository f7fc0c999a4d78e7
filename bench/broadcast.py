"""A copied broadcast to 10 000 students through the real bot and the local emulator.

Each row is measured in a fresh process of its own (so its memory figures are its
own). For a broadcast, the emulator and the bot built by `build_app`, polling it,
share that process and its one event loop, as in the end-to-end tests. The students
are inserted straight into SQLite, and each has written /start at the emulator (the
bot may only write to such a chat), as has the admin, who then writes the message to
copy; the bot drops those updates before it polls. `BroadcastService.draft_copy` and
`confirm` send a copy of the admin's message to everyone. Timed from `confirm` until
the broadcast is `done`:

- the achieved rate, delivered / elapsed, and its share of SEND_RATE; the steady rate
  (median between samples over the middle 80 % of the copies); the time to the first
  copy (fixing the recipients, the first round);
- copyMessage calls per chat at the emulator: duplicates, students missed, and how
  many copies asked for `allow_paid_broadcast`;
- the resident set size just before `confirm` and its peak during the run (VmRSS
  sampled every 0.5 s from a thread, and the kernel's high-water mark reset before);
- CPU time over the run, of the event-loop thread and of the other threads (the
  SQLite worker); with the emulator in the process, both sides of the HTTP run on
  that one loop.

The paid broadcast is measured twice: with the emulator in the bot's process, and
with it in a process of its own (then the bot has the event loop and a core to
itself; progress is read from the outbox, the copies from the emulator's control
API). Two references in the same run, each in a process of its own:

- baseline: the same number of plain `copyMessage` calls (same source message, same
  button, the paid flag) made straight from an aiogram Bot against a fresh emulator,
  100 at a time (aiogram's connection limit), with no database, rate limit or claim:
  what this machine and the emulator can do at all, to judge the paid figure by;
- the outbox alone: `BroadcastsRepo.claim` then `settle` for every recipient, 100 at
  a time through the same group commits as the delivery, no HTTP: the bookkeeping
  every letter costs, on the bot's own connection.

`BENCH_BROADCAST_RECIPIENTS=2000` sets the number of students (default 10 000);
`BENCH_BROADCAST_MODES=paid` runs only the paid broadcast (any of `free`, `paid` and
`apart`, comma-separated; all three by default; the references always run). At 25 a
second, 10 000 take ~400 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiohttp import ClientSession

from bench.summary import Figure
from bot.app import build_app, build_bot, freeze_startup_objects
from bot.clock import to_db
from bot.config import Settings
from bot.db import Database, apply_migrations, open_database
from bot.db.broadcasts import BroadcastsRepo, Settled, audience_params
from bot.domain import Audience, BroadcastKind
from bot.emulator import Emulator
from bot.i18n import build_i18n
from bot.services.group_commit import GroupCommit
from handlers.staff.broadcast_view import recipient_markup

TOKEN = "123456:BENCH-token-for-the-local-emulator"
RECIPIENTS = int(os.environ.get("BENCH_BROADCAST_RECIPIENTS", "10000"))
"""Students the broadcast goes to; a quick run: BENCH_BROADCAST_RECIPIENTS=2000."""
ADMIN = 42
FIRST_STUDENT = 1_000_000
TEXT = "Career fair on Friday, 12:00, main hall"
SAMPLE_SECONDS = 0.5
AT_A_TIME = 100
"""The references' concurrency: aiogram's AiohttpSession opens at most 100
connections, and the delivery sends at most 100 letters at once."""
DONE_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Mode:
    name: str
    rate: float
    paid: bool
    apart: bool = False
    """The emulator runs in a process of its own (the bot has the event loop to itself)."""

    @property
    def label(self) -> str:
        paid = ", PAID_BROADCAST=true" if self.paid else ""
        apart = ", emulator in its own process" if self.apart else ""
        return f"SEND_RATE={self.rate:g}{paid}{apart}"


MODES = {
    "free": Mode("free", 25.0, False),
    "paid": Mode("paid", 1000.0, True),
    "apart": Mode("apart", 1000.0, True, apart=True),
}


def chosen_modes() -> list[Mode]:
    names = os.environ.get("BENCH_BROADCAST_MODES", ",".join(MODES))
    picked = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in picked if n not in MODES]
    if unknown or not picked:
        raise SystemExit(f"BENCH_BROADCAST_MODES={names!r}: choose from {', '.join(MODES)}")
    return [MODES[n] for n in picked]


# --- memory, CPU and progress ------------------------------------------------------------


def status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


def reset_peak() -> bool:
    """Reset the kernel's VmHWM to the current RSS (Linux 4.0+); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def thread_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of each thread of this process, by thread id."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


@dataclass
class Watch:
    """RSS, CPU per thread and a progress counter over one measured run.

    VmRSS and the progress are sampled every SAMPLE_SECONDS from a thread of its own,
    so a busy event loop does not stretch the interval.
    """

    progress: Callable[[], int]
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    """(seconds since start, VmRSS KiB, progress)."""
    rss_before: int = 0
    rss_peak: int = 0
    elapsed: float = 0.0
    cpu_loop: float = 0.0
    cpu_other: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _started: float = 0.0
    _cpu: dict[int, float] = field(default_factory=dict)
    _peak_reset: bool = False

    def start(self) -> None:
        gc.collect()
        self.rss_before = status_kib("VmRSS")
        self._peak_reset = reset_peak()
        self._cpu = thread_cpu()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Call before anything is torn down (the SQLite thread must still be there)."""
        self.elapsed = time.perf_counter() - self._started
        cpu = thread_cpu()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        loop = threading.get_native_id()
        sampler = self._thread.native_id if self._thread is not None else None
        spent = {tid: s - self._cpu.get(tid, 0.0) for tid, s in cpu.items() if tid != sampler}
        self.cpu_loop = spent.pop(loop, 0.0)
        self.cpu_other = sum(spent.values())
        self.rss_peak = max(rss for _, rss, _ in self.samples)
        if self._peak_reset:
            self.rss_peak = max(self.rss_peak, status_kib("VmHWM"))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def _sample(self) -> None:
        now = time.perf_counter() - self._started
        self.samples.append((now, status_kib("VmRSS"), self.progress()))

    def steady(self, total: int) -> float:
        """The median rate between samples, over the middle 80 % of the progress."""
        rates = [
            (b[2] - a[2]) / (b[0] - a[0])
            for a, b in zip(self.samples, self.samples[1:], strict=False)
            if 0.1 * total <= a[2] and b[2] <= 0.9 * total and b[0] > a[0]
        ]
        return statistics.median(rates) if rates else 0.0


class CopyCounter:
    """copyMessage calls the emulator received since this was made (called from the
    loop and from the sampler thread; the call log only grows)."""

    def __init__(self, emu: Emulator) -> None:
        self._calls = emu.calls
        self._since = self._seen = len(self._calls)
        self._count = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            end = len(self._calls)
            new = self._calls[self._seen : end]
            self._count += sum(1 for c in new if c.method == "copyMessage")
            self._seen = end
            return self._count

    def copies(self) -> list[dict[str, Any]]:
        return [c.params for c in self._calls[self._since :] if c.method == "copyMessage"]


class SentCounter:
    """Outbox rows settled as sent, read on a connection of its own (WAL: it never waits
    for the bot's writes)."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM broadcast_outbox WHERE status = 'sent'"
            ).fetchone()
            return int(row[0])

    def close(self) -> None:
        self._conn.close()


# --- the results -------------------------------------------------------------------------


@dataclass(frozen=True)
class Copies:
    """What the emulator received, per student."""

    delivered: int
    duplicates: int
    missed: int
    paid: int


def tally(copies: Sequence[dict[str, Any]], students: Sequence[int]) -> Copies:
    per_chat = Counter(c["chat_id"] for c in copies)
    wanted = set(students)
    return Copies(
        delivered=sum(n for chat, n in per_chat.items() if chat in wanted),
        duplicates=sum(n - 1 for chat, n in per_chat.items() if chat in wanted and n > 1),
        missed=sum(1 for s in students if per_chat[s] == 0),
        paid=sum(1 for c in copies if c.get("allow_paid_broadcast") is True),
    )


@dataclass(frozen=True)
class Result:
    name: str
    recipients: int
    done: int
    """Letters delivered (copies to distinct students), or rows claimed and settled."""
    configured: float | None
    elapsed: float
    steady: float
    first_copy: float | None
    """Seconds from confirm to the first copyMessage."""
    copies: Copies | None
    rss_before_mib: float
    rss_peak_mib: float
    cpu_loop: float
    cpu_other: float
    outcome: str = ""

    @classmethod
    def of(
        cls,
        name: str,
        recipients: int,
        done: int,
        watch: Watch,
        *,
        configured: float | None = None,
        first_copy: float | None = None,
        copies: Copies | None = None,
        outcome: str = "",
    ) -> Result:
        return cls(
            name=name,
            recipients=recipients,
            done=done,
            configured=configured,
            elapsed=watch.elapsed,
            steady=watch.steady(recipients),
            first_copy=first_copy,
            copies=copies,
            rss_before_mib=watch.rss_before / 1024,
            rss_peak_mib=watch.rss_peak / 1024,
            cpu_loop=watch.cpu_loop,
            cpu_other=watch.cpu_other,
            outcome=outcome,
        )

    @property
    def rate(self) -> float:
        return self.done / self.elapsed

    def cells(self) -> tuple[str, ...]:
        c = self.copies
        return (
            self.name,
            f"{self.recipients:,}",
            f"{self.elapsed:.1f} s",
            f"{self.rate:,.1f}/s",
            f"{self.rate / self.configured:.3f}" if self.configured else "-",
            f"{self.steady:,.0f}/s" if self.steady else "-",
            "-" if self.first_copy is None else f"{self.first_copy:.2f} s",
            "-" if c is None else f"{c.duplicates}",
            "-" if c is None else f"{c.missed}",
            "-" if c is None else f"{c.paid:,}",
            f"{self.rss_before_mib:.0f} MiB",
            f"{self.rss_peak_mib:.0f} MiB",
            f"{self.cpu_loop / self.elapsed:.0%} / {self.cpu_other / self.elapsed:.0%}",
        )


HEADER = (
    "what",
    "recipients",
    "elapsed",
    "achieved",
    "share",
    "steady",
    "1st copy",
    "dups",
    "missed",
    "paid flag",
    "RSS before",
    "RSS peak",
    "CPU loop / other",
)


# --- the set-up --------------------------------------------------------------------------


def student_ids(count: int) -> list[int]:
    return list(range(FIRST_STUDENT, FIRST_STUDENT + count))


async def insert_students(db: Database, students: Sequence[int]) -> None:
    stamp = to_db(datetime.now(UTC))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, language_code, created_at, last_seen_at)"
            " VALUES (?, 'Student', 'ru', ?, ?)",
            [(uid, stamp, stamp) for uid in students],
        )
        await tx.executemany(  # each agreed to the personal data notice
            "INSERT INTO consents (user_id, version, locale, agreed_at)"
            " VALUES (?, 'bench', 'ru', ?)",
            [(uid, stamp) for uid in students],
        )


async def prepare(emu: Emulator, students: Sequence[int]) -> int:
    """The admin and each student have written /start (the bot may write to a chat only
    then), and the admin has written the message to copy: its id. The bot drops these
    updates before it polls (the students are in its database already)."""
    await emu.send_text(ADMIN, "/start", first_name="Admin", language_code="en")
    for uid in students:
        await emu.send_text(uid, "/start", first_name="Student", language_code="ru")
    return (await emu.send_text(ADMIN, TEXT)).message_id


Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Telegram:
    """The emulator as a measurement sees it: in this process, or in one of its own."""

    base_url: str
    message_id: int
    """The admin's message, to copy."""
    emu: Emulator | None

    async def calls(self) -> list[Call]:
        if self.emu is not None:
            return [(c.method, c.params) for c in self.emu.calls]
        async with ClientSession() as http, http.get(f"{self.base_url}/_emulator/calls") as r:
            return [(c["method"], c["params"]) for c in (await r.json())["result"]]


def serve_emulator(conn: Connection, recipients: int) -> None:
    """The emulator in a process of its own: prepared, then serving until told to stop."""

    async def serve() -> None:
        async with Emulator(token=TOKEN) as emu:
            conn.send((emu.base_url, await prepare(emu, student_ids(recipients))))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(serve())


@asynccontextmanager
async def telegram(apart: bool, students: Sequence[int]) -> AsyncIterator[Telegram]:
    if not apart:
        async with Emulator(token=TOKEN) as emu:
            yield Telegram(emu.base_url, await prepare(emu, students), emu)
        return
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve_emulator, args=(theirs, len(students)))
    process.start()
    loop = asyncio.get_running_loop()
    try:
        base_url, message_id = await loop.run_in_executor(None, ours.recv)
        yield Telegram(base_url, message_id, None)
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        await loop.run_in_executor(None, process.join, 30)
        if process.is_alive():
            process.kill()


async def wait_polling(tg: Telegram) -> None:
    async with asyncio.timeout(60):
        while not any(method == "getUpdates" for method, _ in await tg.calls()):
            await asyncio.sleep(0.1)


def settings_for(base_url: str, folder: Path, mode: Mode) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=base_url,
        database_path=folder / "bench.sqlite3",
        admin_ids=frozenset({ADMIN}),
        send_rate=mode.rate,
        paid_broadcast=mode.paid,
        log_level="WARNING",
    )


def news_markup() -> InlineKeyboardMarkup:
    """The news opt-out button every broadcast copy carries."""
    i18n = build_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        return recipient_markup(())


# --- the measurements --------------------------------------------------------------------


async def broadcast(mode: Mode, recipients: int) -> Result:
    students = student_ids(recipients)
    async with telegram(mode.apart, students) as tg:
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_for(tg.base_url, Path(tmp), mode)
            app = await build_app(settings)
            freeze_startup_objects()  # as `careerbot run` does
            await insert_students(app.db, students)
            await app.bot.delete_webhook(drop_pending_updates=True)
            polling = asyncio.create_task(app.run_polling(handle_signals=False))
            sent = SentCounter(settings.database_path)
            try:
                await wait_polling(tg)
                service = app.services.broadcasts
                draft = await service.draft_copy(ADMIN, ADMIN, tg.message_id)
                progress = sent if tg.emu is None else CopyCounter(tg.emu)
                watch = Watch(progress)
                watch.start()
                started = time.perf_counter()
                assert await service.confirm(draft.id, None, None)
                first_copy = None
                async with asyncio.timeout(DONE_TIMEOUT):
                    while True:
                        if first_copy is None and progress():
                            first_copy = time.perf_counter() - started
                        found = await service.get(draft.id)
                        assert found is not None
                        if found.status.over:
                            break
                        await asyncio.sleep(0.05)
                watch.stop()
                counts = await service.counts(draft.id)
            finally:
                sent.close()
                await app.stop()
                await asyncio.wait_for(polling, 30)
        copies = tally(
            [params for method, params in await tg.calls() if method == "copyMessage"], students
        )
        assert counts.sent == copies.delivered, (counts, copies)
    return Result.of(
        f"broadcast, {mode.label}",
        recipients,
        copies.delivered,
        watch,
        configured=mode.rate,
        first_copy=first_copy,
        copies=copies,
        outcome=f"{found.status.value}: {counts}",
    )


async def baseline(recipients: int) -> Result:
    """The same copies straight from an aiogram Bot, as fast as they go."""
    students = student_ids(recipients)
    async with telegram(False, students) as tg:
        assert tg.emu is not None
        with tempfile.TemporaryDirectory() as tmp:
            bot = build_bot(settings_for(tg.base_url, Path(tmp), MODES["paid"]))
            try:
                await bot.delete_webhook(drop_pending_updates=True)
                markup = news_markup()
                queue = iter(students)

                async def worker() -> None:
                    for chat_id in queue:
                        await bot.copy_message(
                            chat_id=chat_id,
                            from_chat_id=ADMIN,
                            message_id=tg.message_id,
                            reply_markup=markup,
                            allow_paid_broadcast=True,
                        )

                counter = CopyCounter(tg.emu)
                watch = Watch(counter)
                watch.start()
                await asyncio.gather(*(worker() for _ in range(AT_A_TIME)))
                watch.stop()
            finally:
                await bot.session.close()
            copies = tally(counter.copies(), students)
    return Result.of(
        f"baseline: bare copyMessage, {AT_A_TIME} at a time",
        recipients,
        copies.delivered,
        watch,
        copies=copies,
    )


async def outbox_alone(recipients: int) -> Result:
    """Every recipient's row claimed and settled, as the delivery does, without HTTP."""
    students = student_ids(recipients)
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_database(Path(tmp) / "bench.sqlite3")
        try:
            await apply_migrations(db)
            await insert_students(db, students)
            repo = BroadcastsRepo(db)
            now = datetime.now(UTC)
            draft = await repo.create(
                created_by=ADMIN, kind=BroadcastKind.COPY, source=(ADMIN, 1), tip_id=None, now=now
            )
            await repo.schedule(draft.id, None, None, now)
            everyone = audience_params(Audience(), now=now, default_locale="ru", staff=[ADMIN])
            assert await repo.start(draft.id, everyone, now) == recipients
            settled = 0
            queue = iter(students)

            claim = GroupCommit(repo.claim)
            record = GroupCommit(repo.settle)

            async def worker() -> None:
                nonlocal settled
                for uid in queue:
                    assert await claim((draft.id, uid))
                    await record(Settled(draft.id, uid, "sent", now, message_id=uid))
                    settled += 1

            watch = Watch(lambda: settled)
            watch.start()
            await asyncio.gather(*(worker() for _ in range(AT_A_TIME)))
            watch.stop()
            assert (await repo.counts(draft.id)).sent == recipients
        finally:
            await db.close()
    return Result.of(
        f"the outbox alone: claim + settle, {AT_A_TIME} at a time, grouped",
        recipients,
        settled,
        watch,
    )


# --- one process per measurement ---------------------------------------------------------


def measure(what: str, recipients: int) -> Result:
    """Run in a fresh process: 'baseline', 'outbox' or a mode's name."""
    try:
        if what == "baseline":
            return asyncio.run(baseline(recipients))
        if what == "outbox":
            return asyncio.run(outbox_alone(recipients))
        return asyncio.run(broadcast(MODES[what], recipients))
    except Exception:  # aiogram's errors do not pickle: send the traceback as text
        raise RuntimeError(traceback.format_exc()) from None


def in_fresh_process(what: str, recipients: int) -> Result:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(measure, what, recipients).result()


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    for row in (header, *rows):
        print(line.format(*row).rstrip())


def main() -> list[Figure]:
    modes = chosen_modes()
    results = [in_fresh_process(what, RECIPIENTS) for what in ("baseline", "outbox")]
    results += [in_fresh_process(mode.name, RECIPIENTS) for mode in modes]
    print(
        f"a copied broadcast to {RECIPIENTS:,} students, a fresh process for each row; the bot"
        " and the emulator share its event loop unless the emulator has a process of its own"
    )
    table(HEADER, [r.cells() for r in results])
    print(
        "achieved = delivered (or settled) / elapsed, a broadcast timed from confirm to done;"
        " share = of SEND_RATE; steady = median rate over the middle 80 %; 1st copy = confirm"
        " to the first copyMessage; CPU = CPU time / elapsed of the event-loop thread and of"
        " the others (SQLite's)"
    )
    for r in results:
        if r.outcome:
            print(f"{r.name}: {r.outcome}")
    base = results[0]
    return [
        Figure(
            f"{r.name}, {r.recipients:,} students: copies a second (duplicates, missed)",
            f"{r.rate:,.0f}/s ({r.copies.duplicates if r.copies else '–'},"
            f" {r.copies.missed if r.copies else '–'})",
            f"{base.rate:,.0f}/s (bare aiogram copyMessage, no rate limit)",
            f"{r.rate / r.configured:.3f} of the rate" if r.configured else "–",
            "≥ 0.95 of the rate, no duplicates",
        )
        for r in results[2:]
    ]


if __name__ == "__main__":
    main()

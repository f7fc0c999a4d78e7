"""Quiz traffic: careerbot beside a bare aiogram bot, with 1, 10 and 50 students at once
(`python -m bench.quiz_traffic`).

Both bots run as `python -m ...` processes of their own, polling a local emulator in
this process (the emulator stands for Telegram). Simulated students walk the quiz the
way a person does: `/start`, then again and again the first button of the newest
message with buttons, until the result arrives (a message with the share link). Each
waits for the bot before the next step: after `/start` its first message, after a
press the press's answer (careerbot answers a press after its handler, so the answer
comes when everything the press caused was sent).

The bare bot (`bench/bare_bot.py`) gets the same traffic: `/start` and as many presses
as careerbot's median walk took, and it makes as many Bot API calls per update as
careerbot did at the same number of students (careerbot's warm-up, measured first).
Both bots run side by side, each in a fresh process, and take turns: a batch (each
student walks one quiz, all at once) on one bot, then a batch on the other, in the
order careerbot, bare, bare, careerbot..., so a machine that is slower for a while
slows both alike. Warm-up batches are not counted: 5 walks at least on each bot (a
bare bot's first four walks took half as long again as the rest, so one warm-up walk
flattered careerbot at one student by about 0.05). There are `BENCH_QUIZ_PAIRS` (6)
pairs of batches, or more until each bot walked 100 quizzes (100 pairs with 1 student,
10 with 10); the ratio of each pair is printed, and each row adds its batches up. (A
single student's batch takes a fifth of a second, and single pairs ranged from 0.55 to
1.06 in one run: with 30 pairs, the row moved by ±0.04 from run to run. Runs of a few
seconds each, one bot after the other, moved the ratio by ±0.1 with the machine's
noise.)

Per bot: updates a second (all updates / wall time), latency of each update (from
sending it to the bot's reply, p50 and p99), CPU per update (the bot's process and
its children, such as careerbot's drawing process), and the resident set at the end.
`BENCH_QUIZ_STUDENTS=1,10` chooses the numbers of students.

Memory: careerbot's resident set when idle (started, polling, no student yet), then
after 500 finished quizzes (10 students at a time, `BENCH_QUIZ_MEMORY_WALKS`), and the
resident set of its drawing process beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.summary import Figure, ratio
from bot.emulator import Emulator, EmuMessage

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-token-for-the-local-emulator"
STUDENTS = tuple(int(n) for n in os.environ.get("BENCH_QUIZ_STUDENTS", "1,10,50").split(","))
MIN_WALKS = 100
"""Each bot walks at least this many timed quizzes at each number of students."""
PAIRS = int(os.environ.get("BENCH_QUIZ_PAIRS", "6"))
"""Pairs of batches (one on each bot) at least, at each number of students."""
WARM_UP = 5
"""Walks each bot takes, uncounted, before the timed ones."""
MAX_PRESSES = 120
TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Walked:
    latencies: list[float]
    presses: int


@dataclass
class Run:
    bot: str
    students: int
    updates: int
    elapsed: float
    latencies: list[float]
    cpu: float
    rss_kib: int
    calls: int
    presses: list[int]

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    @property
    def cpu_per_update_ms(self) -> float:
        return self.cpu / self.updates * 1000

    @property
    def calls_per_update(self) -> float:
        return self.calls / self.updates


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command's name: [state, ppid, ..., utime, stime, ...]."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The living children of a process (careerbot's drawing process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except OSError:  # it ended meanwhile
                continue
    return found


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and its children, living or ended (careerbot's drawing
    process is replaced after 200 pictures: once ended, its time is the parent's)."""
    total = 0
    for each in (pid, *children(pid)):
        with contextlib.suppress(OSError):
            fields = stat_fields(each)
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if each == pid:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime: children ended
    return total / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children_rss_kib(pid: int) -> int:
    """Resident set of the process's living children."""
    total = 0
    for child in children(pid):
        with contextlib.suppress(OSError):  # it ended meanwhile
            total += rss_kib(child)
    return total


def buttons_of(message: EmuMessage) -> list[str]:
    return [b.callback_data for row in message.buttons for b in row if b.callback_data]


def is_result(message: EmuMessage) -> bool:
    return any(b.url and "t.me/share" in b.url for row in message.buttons for b in row)


def newest_with_buttons(emu: Emulator, chat_id: int) -> EmuMessage | None:
    for message in reversed(emu.bot_messages(chat_id)):
        if buttons_of(message):
            return message
    return None


async def send_start(emu: Emulator, user_id: int) -> float:
    """`/start`; the time until the bot's first message with buttons."""
    existing = emu.bot_messages(user_id)
    after = existing[-1].message_id if existing else 0

    def answered() -> bool:
        return any(m.message_id > after and buttons_of(m) for m in emu.bot_messages(user_id))

    started = time.perf_counter()
    await emu.send_text(user_id, "/start")
    await emu.wait_until(answered, TIMEOUT, f"student {user_id}: an answer to /start")
    return time.perf_counter() - started


async def press(emu: Emulator, user_id: int, message: EmuMessage) -> float:
    started = time.perf_counter()
    query = await emu.press(user_id, message.message_id, buttons_of(message)[0])
    await emu.wait_callback_answer(query, timeout=TIMEOUT)
    return time.perf_counter() - started


async def walk_careerbot(emu: Emulator, user_id: int) -> Walked:
    """One quiz, start to result."""
    latencies = [await send_start(emu, user_id)]
    for presses in range(MAX_PRESSES):
        if any(is_result(m) for m in emu.bot_messages(user_id)[-3:]):
            return Walked(latencies, presses)
        message = newest_with_buttons(emu, user_id)
        if message is None:
            raise RuntimeError(f"student {user_id}: no button to press after {presses} presses")
        latencies.append(await press(emu, user_id, message))
    raise RuntimeError(f"student {user_id}: no result after {MAX_PRESSES} presses")


async def walk_bare(emu: Emulator, user_id: int, presses: int) -> Walked:
    latencies = [await send_start(emu, user_id)]
    for _ in range(presses):
        message = newest_with_buttons(emu, user_id)
        assert message is not None
        latencies.append(await press(emu, user_id, message))
    return Walked(latencies, presses)


@contextlib.asynccontextmanager
async def running(module: str, extra: dict[str, str]) -> AsyncIterator[tuple[Emulator, int]]:
    """The emulator here, and `python -m module` polling it."""
    emu = Emulator(token=TOKEN, bot_username="careerbot_bench_bot")
    await emu.start(host="127.0.0.1", port=0)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", tmp),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_PATH": str(Path(tmp) / "bot.sqlite3"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),  # the bare bot lives in bench/, which is not installed
            **extra,
        }
        log = Path(tmp) / "bot.log"
        with log.open("wb") as output:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                *module.split(),
                cwd=tmp,
                env=env,
                stdout=output,
                stderr=output,
            )
        try:
            async with asyncio.timeout(60):
                while not emu.calls_to("getUpdates"):
                    if proc.returncode is not None:
                        raise RuntimeError(f"{module} stopped:\n{log.read_text()}")
                    await asyncio.sleep(0.05)
            yield emu, proc.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            await proc.wait()
            await emu.stop()


@dataclass
class Side:
    """One of the two bots, running, and its timed batches."""

    bot: str
    emu: Emulator
    pid: int
    walk: Callable[[int], Awaitable[Walked]]
    batches: list[Run] = field(default_factory=list)

    def calls_made(self) -> int:
        return len(self.emu.calls) - len(self.emu.calls_to("getUpdates"))

    def run(self) -> Run:
        """The timed batches as one long run, with the bot's resident set now."""
        return dataclasses.replace(merged(self.batches), rss_kib=rss_kib(self.pid))


async def batch(side: Side, students: int, ids: Iterator[int]) -> Run:
    """Each of `students` students walks one quiz on `side`'s bot, all at once."""
    calls_before, cpu_before = side.calls_made(), process_cpu(side.pid)
    started = time.perf_counter()
    walked = await asyncio.gather(*(side.walk(next(ids)) for _ in range(students)))
    elapsed = time.perf_counter() - started
    return Run(
        bot=side.bot,
        students=students,
        updates=sum(len(w.latencies) for w in walked),
        elapsed=elapsed,
        latencies=[x for w in walked for x in w.latencies],
        cpu=process_cpu(side.pid) - cpu_before,
        rss_kib=0,  # read once, for the whole run (`Side.run`)
        calls=side.calls_made() - calls_before,
        presses=[w.presses for w in walked],
    )


def merged(runs: Sequence[Run]) -> Run:
    """Batches of one bot at one number of students, as one long run."""
    return Run(
        bot=runs[0].bot,
        students=runs[0].students,
        updates=sum(r.updates for r in runs),
        elapsed=sum(r.elapsed for r in runs),
        latencies=[x for r in runs for x in r.latencies],
        cpu=sum(r.cpu for r in runs),
        rss_kib=runs[-1].rss_kib,
        calls=sum(r.calls for r in runs),
        presses=[p for r in runs for p in r.presses],
    )


async def compare(students: int) -> tuple[Run, Run]:
    """careerbot and the bare bot taking turns at `students` students."""
    pairs = max(PAIRS, -(-MIN_WALKS // students))
    ids = itertools.count(10_000)
    async with running("bot run", {}) as (emu, pid):
        career = Side("careerbot", emu, pid, lambda user_id: walk_careerbot(emu, user_id))
        # Warm-up (imports, caches, the drawing process) of WARM_UP walks at least, and
        # what the bare bot matches: the median walk's presses, the calls per update.
        warm_batches = -(-WARM_UP // students)
        warm = merged([await batch(career, students, ids) for _ in range(warm_batches)])
        presses = int(statistics.median(warm.presses))
        extra = {"BARE_CALLS_PER_UPDATE": f"{warm.calls_per_update:.3f}"}
        async with running("bench.bare_bot", extra) as (bare_emu, bare_pid):
            bare = Side(
                "bare aiogram",
                bare_emu,
                bare_pid,
                lambda user_id: walk_bare(bare_emu, user_id, presses),
            )
            for _ in range(warm_batches):  # the same warm-up
                await batch(bare, students, ids)
            for pair in range(pairs):
                for side in (career, bare) if pair % 2 == 0 else (bare, career):
                    side.batches.append(await batch(side, students, ids))
            ratios = [c.rate / b.rate for c, b in zip(career.batches, bare.batches, strict=True)]
            print(
                f"{students} student(s): careerbot / bare updates a second, pair by pair:"
                f" {', '.join(f'{r:.2f}' for r in ratios)}"
                f" (median {statistics.median(ratios):.2f})"
            )
            return career.run(), bare.run()


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    for row in (header, *rows):
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


async def run() -> list[Run]:
    results: list[Run] = []
    for students in STUDENTS:
        results += await compare(students)
    return results


def headline(results: Sequence[Run]) -> list[Figure]:
    figures = []
    for r in results:
        if r.bot != "careerbot":
            continue
        bare = next(b for b in results if b.bot == "bare aiogram" and b.students == r.students)
        who = f"{r.students} student{'s' if r.students > 1 else ''}"
        figures += [
            Figure(
                f"quiz traffic, {who}: updates a second",
                f"{r.rate:.1f}",
                f"{bare.rate:.1f} (bare aiogram)",
                ratio(r.rate, bare.rate),
                "≥ 0.7",
            ),
            Figure(
                f"quiz traffic, {who}: CPU per update",
                f"{r.cpu_per_update_ms:.2f} ms",
                f"{bare.cpu_per_update_ms:.2f} ms (bare aiogram)",
                ratio(r.cpu_per_update_ms, bare.cpu_per_update_ms),
                "≤ 2",
            ),
            Figure(
                f"quiz traffic, {who}: p99 from update to reply",
                f"{r.quantile(0.99) * 1000:.0f} ms",
                f"{bare.quantile(0.99) * 1000:.0f} ms (bare aiogram)",
                ratio(r.quantile(0.99), bare.quantile(0.99)),
                "≤ 3" if r.students == max(STUDENTS) else "–",
            ),
        ]
    return figures


def report(results: Sequence[Run]) -> None:
    print("quiz traffic: students walking the quiz over HTTP, careerbot beside a bare aiogram bot")
    rows = []
    for r in results:
        baseline = next(b for b in results if b.bot == "bare aiogram" and b.students == r.students)
        rows.append(
            [
                r.bot,
                str(r.students),
                str(r.updates),
                f"{r.calls_per_update:.2f}",
                f"{r.rate:.1f}",
                f"{r.rate / baseline.rate:.2f}",
                f"{r.quantile(0.5) * 1000:.0f} / {r.quantile(0.99) * 1000:.0f}",
                f"{r.quantile(0.99) / baseline.quantile(0.99):.1f}",
                f"{r.cpu_per_update_ms:.1f}",
                f"{r.cpu_per_update_ms / baseline.cpu_per_update_ms:.1f}",
                f"{r.rss_kib / 1024:.0f}",
            ]
        )
    table(
        [
            "bot",
            "students",
            "updates",
            "calls/update",
            "updates/s",
            "x bare",
            "p50 / p99 ms",
            "p99 x bare",
            "CPU ms/update",
            "CPU x bare",
            "RSS MiB",
        ],
        rows,
    )
    walks = [p for r in results if r.bot == "careerbot" for p in r.presses]
    print(
        f"careerbot walks: {len(walks)}, presses to the result: median {statistics.median(walks)}"
    )


async def memory(walks: int, students: int) -> list[Figure]:
    """careerbot's resident set idle, then after `walks` finished quizzes."""
    async with running("bot run", {}) as (emu, pid):
        await asyncio.sleep(1.0)
        idle = rss_kib(pid)
        queue = iter(range(walks))

        async def slot() -> None:
            for n in queue:
                await walk_careerbot(emu, 20_000 + n)

        started = time.perf_counter()
        await asyncio.gather(*(slot() for _ in range(students)))
        elapsed = time.perf_counter() - started
        after, drawing = rss_kib(pid), children_rss_kib(pid)
    print(
        f"careerbot memory: idle {idle / 1024:.0f} MiB; after {walks} finished quizzes"
        f" ({students} students at a time, {elapsed:.0f} s) {after / 1024:.0f} MiB,"
        f" +{(after - idle) / 1024:.0f} MiB (goal: +60 MiB at most);"
        f" the drawing process beside it {drawing / 1024:.0f} MiB"
    )
    return [
        Figure(
            f"careerbot's RSS after {walks} finished quizzes, over idle",
            f"+{(after - idle) / 1024:.0f} MiB (idle {idle / 1024:.0f} MiB;"
            f" drawing process {drawing / 1024:.0f} MiB)",
            goal="≤ +60 MiB",
        )
    ]


MEMORY_WALKS = int(os.environ.get("BENCH_QUIZ_MEMORY_WALKS", "500"))
"""Finished quizzes of the memory run; 0 leaves it out."""


def main() -> list[Figure]:
    results = asyncio.run(run())
    report(results)
    figures = headline(results)
    if MEMORY_WALKS:
        figures += asyncio.run(memory(MEMORY_WALKS, students=10))
    return figures


if __name__ == "__main__":
    main()

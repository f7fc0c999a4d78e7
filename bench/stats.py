"""How long `/stats` takes for a centre with 50 000 students and about 1 000 000 answers.

The database is a real SQLite file with every migration, generated afresh on each run
(nothing is kept between runs): one centre's students plus a fifth as many of other
centres or of none, so the centre filter and the "all students" averages both have
work to do. Each attempt is a real way through the shipped quiz, taken by the quiz
engine (options chosen by a per-student lean, so bands spread and the tech track
sometimes branches to the communication questions); a quarter of the attempts stop
part-way, most of them on the first screens; nearly four students in ten try again
(so about 20 answers per student, 1 000 000 for the centre); a few went Back once
(undone answers); dates spread over 90 days; a third of those who finished subscribe
to tips and rate some. Generating takes a while and is not the figure (it is printed).

Measured on the bot's own read-only connection (`open_database(read_only=True)`),
RUNS times each: `StatsRepo.raw` and the whole `StatsService.report_unchecked` (raw
and suppression) for the last 30 days and for all time. Then each statement of `raw`
once on a plain sqlite3 connection, to see which part dominates, and the query plans
of the chosen-table build and of `HEAVIEST`. The reference, in the same run: one
`SELECT COUNT(*) FROM answers`, and every answer grouped per screen.

`BENCH_STATS_STUDENTS=5000 python -m bench.stats` is a quick run.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.summary import Figure, ratio
from bot.clock import FrozenClock, to_db
from bot.db import apply_migrations, open_database
from bot.db.stats import (
    _ANSWERED,
    _CHOSEN,
    _FEEDBACK_CENTRE,
    _MEDIAN,
    _OUTCOMES,
    _PICK_ALL,
    _PICK_CENTRE,
    _STOPPED,
    _TOTALS,
    _TRAITS,
    BEGINNING,
    HEAVIEST,
    StatsRepo,
)
from bot.quiz import InfoNode, QuestionNode, Quiz, QuizRun, load_quiz
from bot.quiz.snapshot import StoredProfile
from bot.services.stats import Scope, StatsService
from bot.stats.report import Period
from bot.tips.catalogue import load_tips

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = int(os.environ.get("BENCH_STATS_STUDENTS", "50000"))
"""The centre's students; a quick run: BENCH_STATS_STUDENTS=5000."""
OTHERS = STUDENTS // 5
"""Students of two other centres or of none."""
RUNS = 5
WALKS = 3_000
"""Distinct complete ways through the quiz, taken once by the engine and then reused."""
DAYS = 90
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CENTRE = 1
SEED = 20261125
MIN_GROUP = 10

NEVER_STARTED = 0.04  # joined through the centre's link, never pressed start
FINISHES = 0.75  # an attempt is finished; otherwise it stops part-way
STOP_DECAY = 0.88  # where they stop: the first screens lose most students
RETAKES = (0.60, 0.28, 0.12)  # one, two or three attempts
UNDOES = 0.06  # an attempt with one answer taken back ("Back") and given again
SUBSCRIBES = 0.35  # of the students who finished: subscribed to tips
FEEDBACK = (0, 0, 1, 1, 2, 3, 4)  # how many tips a subscriber rated, drawn evenly

_EPOCH = NOW - timedelta(days=DAYS)
_BASE = _EPOCH.timestamp()


def stamp(seconds: float) -> str:
    """A moment `seconds` after the 90 days began, as the database stores it."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(_BASE + seconds))


@dataclass(frozen=True)
class Walk:
    """One complete way through the quiz: its answers and the finished profile (JSON)."""

    answers: tuple[tuple[str, str], ...]
    profile: str


def take_quiz(quiz: Quiz, rng: random.Random) -> Walk:
    lean = rng.gauss(0.3, 0.9)  # above 0: prefers the options that score
    run = QuizRun.start(quiz)
    while not run.finished:
        node = run.current
        if isinstance(node, InfoNode):
            run = run.proceed()
            continue
        assert isinstance(node, QuestionNode)
        weights = [math.exp(lean * sum(o.points.values()) / 3) for o in node.options]
        run = run.answer(rng.choices(node.options, weights)[0].id)
    profile = StoredProfile.from_profile(run.profile()).to_dict()
    return Walk(tuple(run.answers), json.dumps(profile, ensure_ascii=False))


Row = tuple[Any, ...]


@dataclass
class Generated:
    users: list[Row]
    attempts: list[Row]
    answers: list[Row]
    """(answered at, attempt, position, node, option, undone at), oldest first."""
    subscriptions: list[Row]
    feedback: list[Row]


@dataclass(slots=True)
class Made:
    """One attempt before it has its id; moments in seconds since the 90 days began."""

    start: float
    user_id: int
    status: str
    current: str
    step: int
    end: float
    profile: str | None
    answers: list[tuple[float, int, str, str, float | None]]


LAST_START = DAYS * 86400 - 3600  # nobody starts in the last hour: answers stay in the past


class Generator:
    def __init__(self, quiz: Quiz, tip_ids: Sequence[str], rng: random.Random) -> None:
        self.rng = rng
        self.tip_ids = tip_ids
        self.walks = [take_quiz(quiz, rng) for _ in range(WALKS)]
        self.options = {
            node_id: tuple(o.id for o in node.options)
            for node_id, node in quiz.graph.nodes.items()
            if isinstance(node, QuestionNode)
        }

    def student(self, user_id: int) -> list[Made]:
        """A student's attempts, oldest first: a retake abandons the attempt before it."""
        rng = self.rng
        if rng.random() < NEVER_STARTED:
            return []
        made: list[Made] = []
        start = rng.uniform(0, LAST_START)
        for _ in range(rng.choices((1, 2, 3), RETAKES)[0]):
            if made and made[-1].status == "active":
                made[-1].status = "abandoned"
            made.append(self.attempt(user_id, start))
            start = made[-1].end + rng.expovariate(1 / (5 * 86400))
            if start > LAST_START:
                break
        return made

    def attempt(self, user_id: int, start: float) -> Made:
        rng = self.rng
        walk = rng.choice(self.walks)
        finished = rng.random() < FINISHES
        steps = len(walk.answers)
        if finished:
            stop = steps
        else:
            stop = rng.choices(range(steps), [STOP_DECAY**k for k in range(steps)])[0]
        undo_at = -1
        questions = [p for p in range(1, stop) if walk.answers[p][0] in self.options]
        if questions and rng.random() < UNDOES:
            undo_at = rng.choice(questions)
        answers: list[tuple[float, int, str, str, float | None]] = []
        moment = start
        for position, (node_id, option_id) in enumerate(walk.answers[:stop]):
            moment += rng.lognormvariate(math.log(14), 0.6)
            if position == undo_at:
                # Answered otherwise, went Back, answered again: the first one is undone.
                other = rng.choice([o for o in self.options[node_id] if o != option_id])
                answers.append((moment, position, node_id, other, moment + 8))
                moment += 12
            answers.append((moment, position, node_id, option_id, None))
        if finished:
            return Made(start, user_id, "finished", "result", stop, moment, walk.profile, answers)
        current = walk.answers[stop][0]
        return Made(start, user_id, "active", current, stop, moment, None, answers)

    def tips(self, user_id: int, finished: float) -> tuple[Row | None, list[Row]]:
        """Maybe a tip subscription after the first finish, and the tips rated since."""
        rng = self.rng
        since = finished + 60
        if rng.random() >= SUBSCRIBES:
            return None, []
        status = rng.choices(("active", "paused", "stopped"), (0.8, 0.1, 0.1))[0]
        subscription = (user_id, status, "Europe/Moscow", 9, 21, 172800, stamp(since), stamp(since))
        rated = []
        for tip_id in rng.sample(self.tip_ids, rng.choice(FEEDBACK)):
            verdict = "useful" if rng.random() < 0.7 else "not_for_me"
            rated.append((user_id, tip_id, verdict, stamp(rng.uniform(since, DAYS * 86400))))
        return subscription, rated

    def generate(self) -> Generated:
        rng = self.rng
        ids = rng.sample(range(100_000_000, 7_000_000_000), STUDENTS + OTHERS)
        centres: list[int | None] = [CENTRE] * STUDENTS
        centres += rng.choices((2, 3, None), (0.4, 0.3, 0.3), k=OTHERS)
        users: list[Row] = []
        subscriptions: list[Row] = []
        feedback: list[Row] = []
        made: list[Made] = []
        for user_id, centre in zip(ids, centres, strict=True):
            own = self.student(user_id)
            made += own
            joined = own[0].start - 30 if own else rng.uniform(0, LAST_START)
            seen = own[-1].end if own else joined
            users.append((user_id, "ru", stamp(joined), stamp(seen), centre))
            finishes = [a.end for a in own if a.status == "finished"]
            if finishes and finishes[0] + 60 < DAYS * 86400:
                subscription, rated = self.tips(user_id, finishes[0])
                if subscription is not None:
                    subscriptions.append(subscription)
                    feedback += rated
        # Ids grow with time, as in the bot: a student's latest attempt has the largest id.
        made.sort(key=lambda a: a.start)
        attempts: list[Row] = []
        answers: list[Row] = []
        for attempt_id, a in enumerate(made, start=1):
            finished = stamp(a.end) if a.status == "finished" else None
            nudged = a.status == "active" and a.end + 86400 < DAYS * 86400
            attempts.append(
                (
                    attempt_id,
                    a.user_id,
                    a.status,
                    a.current,
                    a.step,
                    attempt_id,  # message_id: any number
                    stamp(a.start),
                    stamp(a.end),
                    finished,
                    a.profile,
                    stamp(a.end + 86400) if nudged else None,
                )
            )
            answers += [(m, attempt_id, p, n, o, u) for m, p, n, o, u in a.answers]
        answers.sort(key=lambda r: r[0])  # in the order they were given, as in the bot
        return Generated(users, attempts, answers, subscriptions, feedback)


async def migrate(path: Path) -> None:
    db = await open_database(path)
    await apply_migrations(db)
    await db.close()


def fill(path: Path, quiz: Quiz, tip_ids: Sequence[str]) -> dict[str, int]:
    """Write the generated rows in one transaction; the row count of each table."""
    data = Generator(quiz, tip_ids, random.Random(SEED)).generate()
    created = to_db(_EPOCH - timedelta(days=30))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO centres (id, name, code, created_by, created_at) VALUES (?, ?, ?, 1, ?)",
        [(c, f"Centre {c}", f"bench{c}", created) for c in (1, 2, 3)],
    )
    conn.executemany(
        "INSERT INTO users (id, first_name, language_code, created_at, last_seen_at, centre_id)"
        " VALUES (?, 'Student', ?, ?, ?, ?)",
        data.users,
    )
    conn.executemany(
        "INSERT INTO attempts (id, user_id, quiz_id, quiz_version, status, current_node, step,"
        " message_id, started_at, updated_at, finished_at, profile, reminded_at)"
        f" VALUES (?, ?, '{quiz.id}', {quiz.version}, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        data.attempts,
    )
    conn.executemany(
        "INSERT INTO answers (attempt_id, position, node_id, option_id, answered_at, undone_at,"
        " message_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (a, p, n, o, stamp(m), None if u is None else stamp(u), a * 32 + p + 1)
            for m, a, p, n, o, u in data.answers
        ),
    )
    conn.executemany(
        "INSERT INTO tip_subscriptions (user_id, status, timezone, window_start, window_end,"
        " interval_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        data.subscriptions,
    )
    conn.executemany(
        "INSERT INTO tip_feedback (user_id, tip_id, verdict, created_at) VALUES (?, ?, ?, ?)",
        data.feedback,
    )
    conn.execute("COMMIT")
    counts = {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("users", "attempts", "answers", "tip_subscriptions", "tip_feedback")
    }
    counts["centre answers"] = conn.execute(
        "SELECT COUNT(*) FROM answers x JOIN attempts a ON a.id = x.attempt_id"
        " JOIN users u ON u.id = a.user_id WHERE u.centre_id = ?",
        (CENTRE,),
    ).fetchone()[0]
    conn.close()
    return counts


# --- timing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    name: str
    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def cells(self) -> tuple[str, str, str]:
        return (
            self.name,
            f"{statistics.median(self.times) * 1000:,.0f} ms",
            f"{max(self.times) * 1000:,.0f} ms",
        )


async def repeat(name: str, call: Callable[[], Awaitable[object]]) -> Timed:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return Timed(name, times)


def since_of(period: Period) -> str:
    length = period.length
    return BEGINNING if length is None else to_db(NOW - length)


def statements(quiz_id: str, period: Period) -> list[tuple[str, str, dict[str, Any]]]:
    """What `StatsRepo.raw` runs for the centre, in its order."""
    params: dict[str, Any] = {"centre": CENTRE, "quiz": quiz_id, "since": since_of(period)}
    drop = "DROP TABLE IF EXISTS temp.chosen"
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("chosen: the centre's students", _CHOSEN.format(picked=_PICK_CENTRE), params),
        ("totals (started, finished, subscribed)", _TOTALS, {}),
        ("median time to finish", _MEDIAN, {}),
        ("bands and specialisations", _OUTCOMES, {}),
        ("trait averages", _TRAITS, {}),
        ("answered per screen", _ANSWERED, {}),
        ("stopped per screen", _STOPPED, {}),
        ("drop chosen (the centre's)", drop, {}),
        ("chosen: every student", _CHOSEN.format(picked=_PICK_ALL), params),
        ("trait averages, every student", _TRAITS, {}),
        ("drop chosen (every student's)", drop, {}),
        ("tips feedback", _FEEDBACK_CENTRE, params),
    ]
    return [(f"{n} = HEAVIEST" if sql == HEAVIEST else n, sql, p) for n, sql, p in steps]


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None)


def split(path: Path, quiz_id: str, period: Period) -> list[tuple[str, float]]:
    """Each statement of `raw` once, in its order, on a fresh read-only connection."""
    conn = read_only(path)
    times = []
    for name, sql, params in statements(quiz_id, period):
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        times.append((name, time.perf_counter() - started))
    conn.close()
    return times


def plan(conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[str]:
    """EXPLAIN QUERY PLAN as the sqlite3 shell draws it."""
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params):
        depth[node] = depth.get(parent, -1) + 1
        lines.append("    " + "   " * depth[node] + detail)
    return lines


def plans(path: Path, quiz_id: str) -> dict[str, list[str]]:
    """The plans of the centre's chosen-table build and of HEAVIEST (which reads it)."""
    (chosen, build, params), *rest = statements(quiz_id, Period.ALL)
    heaviest = next(name for name, sql, _ in rest if sql == HEAVIEST)
    conn = read_only(path)
    shown = {chosen: plan(conn, build, params)}
    conn.execute(build, params)
    shown[heaviest] = plan(conn, HEAVIEST, {})
    conn.close()
    return shown


# The reference: what touching every answer costs. COUNT(*) counts the entries of the
# smallest index without reading a row; the second reads every answer and groups it,
# the work of the heaviest statement done over the whole table instead of the chosen set.
BASELINES = (
    ("baseline: SELECT COUNT(*) FROM answers", "SELECT COUNT(*) FROM answers"),
    (
        "reference: every answer counted per screen",
        "SELECT node_id, COUNT(DISTINCT attempt_id) FROM answers GROUP BY node_id",
    ),
)


def baselines(path: Path) -> list[Timed]:
    conn = read_only(path)
    figures = []
    for name, sql in BASELINES:
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            conn.execute(sql).fetchall()
            times.append(time.perf_counter() - started)
        figures.append(Timed(name, times))
    conn.close()
    return figures


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    for row in (header, *rows):
        print(line.format(*row).rstrip())


async def run() -> list[Figure]:
    quiz = load_quiz(ROOT / "quizzes" / "support_role.yaml")
    tip_ids = load_tips(ROOT / "quizzes" / "tips.yaml").ids
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.sqlite3"
        started = time.perf_counter()
        await migrate(path)
        counts = fill(path, quiz, tip_ids)
        fill_time = time.perf_counter() - started
        size = path.stat().st_size / 2**20

        db = await open_database(path, read_only=True)
        repo = StatsRepo(db)
        service = StatsService(repo, quiz, FrozenClock(NOW), MIN_GROUP)
        month, ever = (service.since(p) for p in (Period.MONTH, Period.ALL))
        figures = [
            *baselines(path),
            await repeat("StatsRepo.raw, 30 days", lambda: repo.raw(CENTRE, quiz.id, month)),
            await repeat("StatsRepo.raw, all time", lambda: repo.raw(CENTRE, quiz.id, ever)),
            await repeat(
                "report_unchecked, 30 days",
                lambda: service.report_unchecked(Scope(CENTRE), Period.MONTH),
            ),
            await repeat(
                "report_unchecked, all time",
                lambda: service.report_unchecked(Scope(CENTRE), Period.ALL),
            ),
        ]
        month_raw = await repo.raw(CENTRE, quiz.id, month)
        ever_raw = await repo.raw(CENTRE, quiz.id, ever)
        await db.close()
        parts = {p: split(path, quiz.id, p) for p in (Period.MONTH, Period.ALL)}
        shown = plans(path, quiz.id)

    print(
        f"/stats for one centre: {STUDENTS:,} students of the centre and {OTHERS:,} others,"
        f" {counts['attempts']:,} attempts, {counts['answers']:,} answers"
        f" ({counts['centre answers']:,} of them the centre's),"
        f" {counts['tip_subscriptions']:,} tip subscriptions, {counts['tip_feedback']:,} ratings;"
        f" {size:.0f} MiB, generated in {fill_time:.0f} s"
    )
    print(
        f"the centre counted: 30 days {month_raw.started:,} started, {month_raw.finished:,}"
        f" finished; all time {ever_raw.started:,} started, {ever_raw.finished:,} finished"
    )
    table(("what", "median", "max"), [f.cells() for f in figures])
    print(
        f"({RUNS} runs each; /stats on the bot's read-only connection, the references on sqlite3)"
    )
    print()
    print("each statement of StatsRepo.raw once, plain sqlite3:")
    month_parts, ever_parts = parts[Period.MONTH], parts[Period.ALL]
    month_sum, ever_sum = (sum(t for _, t in p) for p in (month_parts, ever_parts))
    rows = [
        (
            name,
            f"{m * 1000:,.1f} ms",
            f"{m / month_sum:.0%}",
            f"{e * 1000:,.1f} ms",
            f"{e / ever_sum:.0%}",
        )
        for (name, m), (_, e) in zip(month_parts, ever_parts, strict=True)
    ]
    rows.append(("sum", f"{month_sum * 1000:,.0f} ms", "", f"{ever_sum * 1000:,.0f} ms", ""))
    table(("statement", "30 days", "share", "all time", "share"), rows)
    for name, lines in shown.items():
        print()
        print(f"EXPLAIN QUERY PLAN, {name} (all time):")
        print("\n".join(lines))
    grouped = next(f for f in figures if f.name.startswith("reference: every answer"))
    return [
        Figure(
            f"`/stats` of a centre of {STUDENTS:,} students ({counts['centre answers']:,}"
            f" answers), {f.name.split(', ')[-1]}",
            f"{f.median * 1000:,.0f} ms",
            f"{grouped.median * 1000:,.0f} ms (every answer counted per screen)",
            ratio(f.median, grouped.median),
        )
        for f in figures
        if f.name.startswith("report_unchecked")
    ]


def main() -> list[Figure]:
    return asyncio.run(run())


if __name__ == "__main__":
    main()

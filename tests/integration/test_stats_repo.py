"""Counting for centres' statistics on a real SQLite file: each student once, drop-off
per screen correct under branching, periods, and nothing from another centre."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import to_db
from bot.db import Database
from bot.db.stats import StatsRepo

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CENTRE, OTHER = 1, 2


async def add_user(db: Database, user_id: int, centre: int | None) -> None:
    await db.execute(
        "INSERT INTO users (id, first_name, created_at, last_seen_at, centre_id)"
        " VALUES (?, 'x', ?, ?, ?)",
        (user_id, to_db(T0), to_db(T0), centre),
    )


async def add_attempt(
    db: Database,
    user_id: int,
    path: list[str],
    *,
    current: str,
    status: str = "finished",
    started: datetime = T0,
    minutes: int = 6,
    band: str = "high",
    recommended: str = "tech",
    scores: dict[str, int] | None = None,
    undone: tuple[str, ...] = (),
    flags: tuple[str, ...] | None = None,
) -> int:
    """`flags`: None writes a profile of quiz version 1, which had none."""
    profile = None
    if status == "finished":
        stored: dict[str, object] = {
            "band": band,
            "recommended": recommended,
            "scores": scores or {"patience": 50},
        }
        if flags is not None:
            stored["flags"] = list(flags)
        profile = json.dumps(stored)
    finished = started + timedelta(minutes=minutes) if status == "finished" else None
    await db.execute(
        "INSERT INTO attempts (user_id, quiz_id, quiz_version, status, current_node, step,"
        " started_at, updated_at, finished_at, profile) VALUES (?, 'q', 1, ?, ?, ?, ?, ?, ?, ?)",
        (
            user_id,
            status,
            current,
            len(path),
            to_db(started),
            to_db(started),
            to_db(finished) if finished else None,
            profile,
        ),
    )
    attempt = int(await db.fetchval("SELECT MAX(id) FROM attempts"))
    for position, node in enumerate([*path, *undone]):
        await db.execute(
            "INSERT INTO answers (attempt_id, position, node_id, option_id, answered_at, undone_at)"
            " VALUES (?, ?, ?, 'o', ?, ?)",
            (attempt, position, node, to_db(started), to_db(started) if node in undone else None),
        )
    return attempt


@pytest.fixture
async def data(db: Database) -> Database:
    for centre in (CENTRE, OTHER):
        await db.execute(
            "INSERT INTO centres (id, name, code, created_by, created_at) VALUES (?, ?, ?, 1, ?)",
            (centre, f"c{centre}", f"code{centre}", to_db(T0)),
        )
    # Ten finish: six by branch c, four by branch d, in 1..10 minutes; students 1-9 on
    # version 2 of the quiz, with careless answering flagged for 2 and 3, student 10 on
    # version 1 (no flags stored).
    for n in range(1, 11):
        await add_user(db, n, CENTRE)
        branch = "c" if n <= 6 else "d"
        await add_attempt(
            db,
            n,
            ["a", "b", branch, "e"],
            current="result",
            minutes=n,
            band="high" if n <= 7 else "low",
            recommended="comm" if n == 2 else "tech",
            scores={"patience": 40 + n, "empathy": 70 if n != 3 else 0},
            flags=None
            if n == 10
            else {2: ("too_fast",), 3: ("same_position", "too_fast")}.get(n, ()),
        )
    # One stopped at b without answering it; one went Back from c and stopped at b.
    await add_user(db, 11, CENTRE)
    await add_attempt(db, 11, ["a"], current="b", status="active")
    await add_user(db, 12, CENTRE)
    await add_attempt(db, 12, ["a"], current="b", status="active", undone=("b", "c"))
    # Finished once, then started again: counted once, by the finished attempt.
    await add_user(db, 13, CENTRE)
    await add_attempt(db, 13, ["a", "b", "c", "e"], current="result", minutes=20)
    await add_attempt(db, 13, [], current="a", status="active", started=T0 + timedelta(hours=1))
    # Long ago, and another centre's student: neither counts for this centre this month.
    await add_user(db, 14, CENTRE)
    await add_attempt(
        db, 14, ["a"], current="b", status="abandoned", started=T0 - timedelta(days=90)
    )
    await add_user(db, 15, OTHER)
    await add_attempt(db, 15, ["a", "b", "d", "e"], current="result", scores={"patience": 0})
    await db.execute(
        "INSERT INTO tip_subscriptions (user_id, timezone, window_start, window_end,"
        " interval_seconds, created_at, updated_at) VALUES (1, 'UTC', 10, 20, 3600, ?, ?)",
        (to_db(T0), to_db(T0)),
    )
    for user, verdict in ((1, "useful"), (2, "useful"), (15, "useful"), (3, "not_for_me")):
        await db.execute(
            "INSERT INTO tip_feedback (user_id, tip_id, verdict, created_at) VALUES (?, 't', ?, ?)",
            (user, verdict, to_db(T0)),
        )
    return db


async def test_a_centre_counts_each_of_its_students_once(data: Database) -> None:
    raw = await StatsRepo(data).raw(CENTRE, "q", T0 - timedelta(days=30))
    assert (raw.started, raw.finished) == (13, 11)
    assert raw.flagged == 2
    assert raw.subscribed == 1
    # Bands, specialisations and averages leave out the two flagged results (2 and 3).
    assert dict(raw.bands) == {"high": 6, "low": 3}
    assert dict(raw.specialisations) == {"tech": 9}
    # Durations 1..10 and 20 minutes, flagged or not: the median is the sixth, 6 minutes.
    assert raw.median_seconds == pytest.approx(6 * 60)
    assert raw.traits["empathy"].value == pytest.approx(70)  # student 3's 0 left out
    assert raw.traits["empathy"].students == 8  # student 13's profile has no empathy score
    assert raw.traits["patience"].students == 9
    assert raw.traits["patience"].value == pytest.approx((41 + sum(range(44, 51)) + 50) / 9)
    assert {k: (v.given, v.students) for k, v in raw.feedback.items()} == {
        "useful": (2, 2),
        "not_for_me": (1, 1),
    }


async def test_drop_off_counts_only_those_who_saw_a_screen(data: Database) -> None:
    raw = await StatsRepo(data).raw(CENTRE, "q", T0 - timedelta(days=30))
    # Everybody saw a; student 11 stopped at b unanswered; student 12 answered b and c
    # before going Back (answered at least once), so counts as having answered both.
    assert raw.reached == {"a": 13, "b": 13, "c": 8, "d": 4, "e": 11}
    assert raw.answered == {"a": 13, "b": 12, "c": 8, "d": 4, "e": 11}
    # A branch only some students were shown is not counted as abandoned by the others.
    assert raw.reached["c"] + raw.reached["d"] == 12


async def test_periods_and_everyone(data: Database) -> None:
    repo = StatsRepo(data)
    all_time = await repo.raw(CENTRE, "q", None)
    assert all_time.started == 14  # student 14's old attempt counts now
    everyone = await repo.raw(None, "q", T0 - timedelta(days=30))
    assert (everyone.started, everyone.finished, everyone.flagged) == (14, 12, 2)
    assert everyone.traits["patience"].students == 10
    # The whole bot's averages are the same whichever centre asks.
    centre = await repo.raw(CENTRE, "q", T0 - timedelta(days=30))
    assert centre.everyone_traits == everyone.traits
    assert await repo.finished_since(CENTRE, "q", T0) == 11
    assert await repo.finished_since(OTHER, "q", T0) == 1
    assert await repo.finished_since(CENTRE, "q", T0 + timedelta(hours=2)) == 0

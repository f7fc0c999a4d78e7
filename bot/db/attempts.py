"""Quiz attempts and answers: rows only; the quiz rules live in the service and engine."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.database import Database
from bot.domain import Attempt, AttemptStatus


def _attempt(row: aiosqlite.Row) -> Attempt:
    return Attempt(
        id=row["id"],
        user_id=row["user_id"],
        quiz_id=row["quiz_id"],
        quiz_version=row["quiz_version"],
        status=AttemptStatus(row["status"]),
        current_node=row["current_node"],
        step=row["step"],
        message_id=row["message_id"],
        paused=row["paused_at"] is not None,
        started_at=from_db(row["started_at"]),
        updated_at=from_db(row["updated_at"]),
        finished_at=from_db(row["finished_at"]) if row["finished_at"] else None,
        profile=json.loads(row["profile"]) if row["profile"] else None,
        option_seed=row["option_seed"],
    )


@dataclass(frozen=True, eq=False)
class Answered:
    """An answer to record (see `AttemptsRepo.record_answers`)."""

    attempt: Attempt
    node_id: str
    option_id: str
    next_node: str
    at: datetime
    message_id: int | None = None
    profile: dict[str, Any] | None = None
    """The finished attempt's profile, with the answer that finishes it."""

    @property
    def key(self) -> tuple[int, int]:
        """The attempt and the step this answers."""
        return self.attempt.id, self.attempt.step

    def as_item(self) -> dict[str, Any]:
        return {
            "id": self.attempt.id,
            "step": self.attempt.step,
            "node": self.node_id,
            "option": self.option_id,
            "next": self.next_node,
            "at": to_db(self.at),
            "message": self.message_id,
            # Kept as the text it is stored as: json_extract gives a string back as is.
            "profile": None
            if self.profile is None
            else json.dumps(self.profile, ensure_ascii=False),
        }


Snapshot = tuple[Attempt, list[tuple[str, str]]]
"""An attempt and its live answers, in order."""


def _snapshot(row: aiosqlite.Row) -> Snapshot:
    live = sorted(json.loads(row["live"]))  # by position: an aggregate keeps no order
    return _attempt(row), [(node_id, option_id) for _position, node_id, option_id in live]


# An attempt with its live answers as a JSON list of [position, node id, option id].
SNAPSHOT = """
SELECT attempts.*,
       (SELECT json_group_array(json_array(position, node_id, option_id)) FROM answers
         WHERE attempt_id = attempts.id AND undone_at IS NULL) AS live
  FROM attempts
"""

ANSWER_TIMES = (
    "SELECT answered_at FROM answers WHERE attempt_id = ? AND undone_at IS NULL ORDER BY position"
)

PREVIOUS_FINISHED = (
    "SELECT * FROM attempts WHERE user_id = ? AND quiz_id = ? AND status = 'finished'"
    " AND id < ? ORDER BY id DESC LIMIT 1"
)


def _previous_key(attempt: Attempt) -> tuple[int, str, int]:
    return attempt.user_id, attempt.quiz_id, attempt.id


OUTDATE = (
    "UPDATE attempts SET status = 'outdated', updated_at = ?"
    " WHERE id = ? AND status = 'active' AND step = ?"
)


def _outdate_params(attempt: Attempt, now: datetime) -> tuple[str, int, int]:
    return to_db(now), attempt.id, attempt.step


@dataclass(frozen=True)
class Outdate:
    """What a press decided: the attempt no longer fits its quiz; close it, unless it
    moved on meanwhile."""

    attempt: Attempt
    at: datetime
    reason: str
    """Why, for the log."""


@dataclass(frozen=True)
class PressRead:
    """What deciding a press reads, on the database's thread (see `AttemptsRepo.press`)."""

    snapshot: Snapshot | None
    times: Callable[[], list[datetime]]
    """When each live answer of the attempt was given, in order: read when called, only
    from within `decide` (it reads on the database's thread, in the press's
    transaction)."""


T = TypeVar("T")

Decide = Callable[[PressRead], tuple["Answered | Outdate | None", T]]


@dataclass(frozen=True)
class Pressed(Generic[T]):
    """How a press ended: what its decide handed back, whether its write changed the
    attempt, and, for the answer that finished it, the student's finished attempt of
    the same quiz before it; or the error its decide raised."""

    value: T | None = None
    written: bool = False
    previous: Attempt | None = None
    error: Exception | None = None


def _record(conn: sqlite3.Connection, answers: Sequence[Answered]) -> list[bool]:
    """`AttemptsRepo.record_answers` on the database's thread, inside its transaction."""
    first: dict[tuple[int, int], Answered] = {}
    for answered in answers:
        first.setdefault(answered.key, answered)
    items = {key: a.as_item() for key, a in first.items()}
    rows = conn.execute(
        """
        UPDATE attempts
           SET step = step + 1, current_node = json_extract(v.value, '$.next'),
               updated_at = json_extract(v.value, '$.at'), paused_at = NULL,
               status = CASE WHEN json_extract(v.value, '$.profile') IS NULL
                             THEN status ELSE 'finished' END,
               finished_at = CASE WHEN json_extract(v.value, '$.profile') IS NULL
                                  THEN finished_at ELSE json_extract(v.value, '$.at') END,
               profile = coalesce(json_extract(v.value, '$.profile'), profile)
          FROM json_each(?) AS v
         WHERE attempts.id = json_extract(v.value, '$.id')
           AND attempts.step = json_extract(v.value, '$.step')
           AND attempts.current_node = json_extract(v.value, '$.node')
           AND attempts.status = 'active'
        RETURNING id, step - 1
        """,
        (json.dumps(list(items.values()), ensure_ascii=False),),
    ).fetchall()
    moved = {(row[0], row[1]) for row in rows}  # (attempt, the step answered)
    if moved:
        recorded = [item for key, item in items.items() if key in moved]
        conn.execute(
            """
            INSERT INTO answers (attempt_id, position, node_id, option_id,
                                 answered_at, message_id)
            SELECT json_extract(v.value, '$.id'), json_extract(v.value, '$.step'),
                   json_extract(v.value, '$.node'), json_extract(v.value, '$.option'),
                   json_extract(v.value, '$.at'), json_extract(v.value, '$.message')
              FROM json_each(?) AS v
            """,
            (json.dumps(recorded, ensure_ascii=False),),
        )
    return [a.key in moved and first[a.key] is a for a in answers]


def _press(conn: sqlite3.Connection, attempt_id: int, decide: Decide[T]) -> Pressed[T]:
    """One press of `AttemptsRepo.press`, on the database's thread."""
    row = conn.execute(f"{SNAPSHOT} WHERE id = ?", (attempt_id,)).fetchone()
    read = PressRead(
        None if row is None else _snapshot(row),
        lambda: [from_db(r[0]) for r in conn.execute(ANSWER_TIMES, (attempt_id,))],
    )
    try:
        write, value = decide(read)
    except sqlite3.Error:
        # From a read of its own (`read.times`): SQLite may have rolled the whole
        # transaction back, so no press of the batch may count as written.
        raise
    except Exception as exc:  # a bug in the rules: that student's press fails alone
        return Pressed(error=exc)
    if isinstance(write, Answered):
        if not _record(conn, [write])[0]:
            return Pressed(value)
        previous = None
        if write.profile is not None:
            before = conn.execute(PREVIOUS_FINISHED, _previous_key(write.attempt)).fetchone()
            previous = None if before is None else _attempt(before)
        return Pressed(value, written=True, previous=previous)
    if isinstance(write, Outdate):
        changed = conn.execute(OUTDATE, _outdate_params(write.attempt, write.at)).rowcount
        return Pressed(value, written=changed == 1)
    return Pressed(value)


class AttemptsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, attempt_id: int) -> Attempt | None:
        row = await self._db.fetchone("SELECT * FROM attempts WHERE id = ?", (attempt_id,))
        return _attempt(row) if row else None

    async def active(self, user_id: int, quiz_id: str) -> Attempt | None:
        row = await self._db.fetchone(
            "SELECT * FROM attempts WHERE user_id = ? AND quiz_id = ? AND status = 'active'",
            (user_id, quiz_id),
        )
        return _attempt(row) if row else None

    async def snapshot(
        self, *, attempt_id: int | None = None, active_for: tuple[int, str] | None = None
    ) -> Snapshot | None:
        """An attempt and its live answers read together, so no press slips in between.

        Either by id, or the active attempt of (user id, quiz id). One statement reads
        both (a statement sees one state of the database), in one trip.
        """
        if attempt_id is not None:
            return (await self.snapshots([attempt_id]))[0]
        if active_for is None:
            raise ValueError("give attempt_id or active_for")
        sql = f"{SNAPSHOT} WHERE user_id = ? AND quiz_id = ? AND status = 'active'"
        row = await self._db.fetchone(sql, active_for)
        return None if row is None else _snapshot(row)

    async def snapshots(self, attempt_ids: Sequence[int]) -> list[Snapshot | None]:
        """`snapshot` of several attempts by id, in one statement; in the order asked."""
        sql = f"{SNAPSHOT} WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
        rows = await self._db.fetchall(sql, (json.dumps(list(attempt_ids)),))
        by_id = {row["id"]: _snapshot(row) for row in rows}
        return [by_id.get(attempt_id) for attempt_id in attempt_ids]

    async def create(
        self,
        user_id: int,
        quiz_id: str,
        quiz_version: int,
        start_node: str,
        now: datetime,
        option_seed: int | None = None,
    ) -> Attempt:
        """A new active attempt; an attempt still in progress is abandoned first (one
        transaction, in one trip to the database's thread)."""
        stamp = to_db(now)

        def create(conn: sqlite3.Connection) -> sqlite3.Row:
            conn.execute(
                "UPDATE attempts SET status = 'abandoned', updated_at = ?"
                " WHERE user_id = ? AND quiz_id = ? AND status = 'active'",
                (stamp, user_id, quiz_id),
            )
            row: sqlite3.Row = conn.execute(
                "INSERT INTO attempts (user_id, quiz_id, quiz_version, current_node,"
                " started_at, updated_at, option_seed) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " RETURNING *",
                (user_id, quiz_id, quiz_version, start_node, stamp, stamp, option_seed),
            ).fetchone()
            return row

        return _attempt(await self._db.atomic(create))

    async def record_answers(self, answers: Sequence[Answered]) -> list[bool]:
        """Append each answer if its attempt is still at `attempt.step`, on the node
        answered; False for one that moved on. One transaction of two statements for
        them all, whoever answered, in one trip to the database's thread.

        `message_id` is the message that showed the question (it stays in the chat as
        the record of the answer). With `profile`, the same write finishes the attempt,
        so a crash can never leave an attempt at its result but unfinished. Answering
        ends a pause. Of two answers to one attempt at one step here, the first counts,
        as if they had come one after the other.
        """
        return await self._db.atomic(lambda conn: _record(conn, answers))

    async def press(self, presses: Sequence[tuple[int, Decide[T]]]) -> list[Pressed[T]]:
        """Presses on attempts, each read, decided and written in one transaction, in one
        trip to the database's thread for them all.

        For each (attempt id, decide): the attempt's snapshot is read, `decide` (the quiz
        rules: quick, no I/O but what `PressRead` reads, run right there on the
        database's thread, inside the transaction) says what to write,
        an `Answered` (see `record_answers`, whose step guard it passes all the same) or
        an `Outdate`, or None, and what to hand back; then it is written. A press reads
        what the presses before it in the batch wrote. A decide that raises writes
        nothing, and its press gets the error back; the others go on (an error of
        SQLite's own ends the whole transaction instead, and every press gets it).
        """

        def run(conn: sqlite3.Connection) -> list[Pressed[T]]:
            return [_press(conn, attempt_id, decide) for attempt_id, decide in presses]

        return await self._db.atomic(run)

    async def undo_to(
        self, attempt: Attempt, keep: int, current_node: str, now: datetime
    ) -> list[int] | None:
        """Undo every answer from position `keep` on; None if the attempt moved on.

        Returns the messages that showed the undone answers, oldest first.
        """
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE attempts SET step = ?, current_node = ?, updated_at = ?"
                " WHERE id = ? AND step = ? AND status = 'active'",
                (keep, current_node, stamp, attempt.id, attempt.step),
            )
            if changed != 1:
                return None
            rows = await tx.fetchall(
                "SELECT message_id FROM answers WHERE attempt_id = ? AND position >= ?"
                " AND undone_at IS NULL AND message_id IS NOT NULL ORDER BY position",
                (attempt.id, keep),
            )
            await tx.execute(
                "UPDATE answers SET undone_at = ?"
                " WHERE attempt_id = ? AND position >= ? AND undone_at IS NULL",
                (stamp, attempt.id, keep),
            )
        return [row["message_id"] for row in rows]

    async def set_paused(self, attempt: Attempt, paused: bool, now: datetime) -> bool:
        """Pause or go on with an attempt still at `attempt.step`; False if it moved on."""
        changed = await self._db.execute(
            "UPDATE attempts SET paused_at = ? WHERE id = ? AND step = ? AND status = 'active'",
            (to_db(now) if paused else None, attempt.id, attempt.step),
        )
        return changed == 1

    async def outdate(self, attempt: Attempt, now: datetime) -> bool:
        """Close an attempt the quiz no longer fits, unless it moved on meanwhile."""
        return await self._db.execute(OUTDATE, _outdate_params(attempt, now)) == 1

    async def set_messages(self, shown: Sequence[tuple[int, int]]) -> list[None]:
        """Remember, for each (attempt id, message id), which message shows the attempt's
        current node (its buttons are the live ones); one statement for them all, the
        last pair of an attempt winning."""
        latest = dict(shown)
        await self._db.run(
            "UPDATE attempts SET message_id = json_extract(v.value, '$[1]')"
            " FROM json_each(?) AS v WHERE attempts.id = json_extract(v.value, '$[0]')",
            (json.dumps(list(latest.items())),),
        )
        return [None] * len(shown)

    async def finished(self, user_id: int, limit: int = 20) -> list[Attempt]:
        """The student's finished attempts, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM attempts WHERE user_id = ? AND status = 'finished'"
            " ORDER BY finished_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_attempt(row) for row in rows]

    async def previous_finished(self, attempt: Attempt) -> Attempt | None:
        """The same student's finished attempt of the same quiz just before this one."""
        row = await self._db.fetchone(PREVIOUS_FINISHED, _previous_key(attempt))
        return _attempt(row) if row else None

    # --- the unfinished-quiz reminder ---------------------------------------------------

    async def stalled(self, before: datetime, limit: int) -> list[tuple[int, int]]:
        """(attempt id, user id) of active attempts untouched since `before`, not reminded,
        of students who have not blocked the bot."""
        rows = await self._db.fetchall(
            """
            SELECT a.id, a.user_id FROM attempts a
              JOIN users u ON u.id = a.user_id AND u.blocked_at IS NULL
             WHERE a.status = 'active' AND a.reminded_at IS NULL AND a.updated_at <= ?
             ORDER BY a.updated_at LIMIT ?
            """,
            (to_db(before), limit),
        )
        return [(row[0], row[1]) for row in rows]

    async def mark_reminded(self, attempt_id: int, now: datetime) -> bool:
        """Claim the one reminder of an attempt; False if it was already claimed."""
        changed = await self._db.execute(
            "UPDATE attempts SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
            (to_db(now), attempt_id),
        )
        return changed == 1

"""Tip subscriptions, the outbox of planned tips, and feedback: rows only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.database import Database
from bot.domain import (
    OutboxStatus,
    PlannedTip,
    Subscription,
    SubscriptionStatus,
    Verdict,
)
from bot.tips.planner import PendingTip, Window


def _subscription(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        user_id=row["user_id"],
        status=SubscriptionStatus(row["status"]),
        timezone=row["timezone"],
        window=Window(row["window_start"], row["window_end"]),
        interval=timedelta(seconds=row["interval_seconds"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def _planned(row: aiosqlite.Row) -> PlannedTip:
    return PlannedTip(
        id=row["id"],
        user_id=row["user_id"],
        tip_id=row["tip_id"],
        position=row["position"],
        due_at=from_db(row["due_at"]),
        status=OutboxStatus(row["status"]),
    )


@dataclass(slots=True)
class DueTip:
    """A due tip with what sending it needs to know about the student: the row as the
    planner sees it (a pending row's position and status tell nothing more here).

    Nobody changes one; like TipOutcome it is not frozen only because a frozen
    dataclass takes three times as long to build, and a tick builds a thousand."""

    tip: PendingTip
    locale: str | None
    language_code: str | None


@dataclass(slots=True)
class TipOutcome:
    """How the request for one claimed outbox row ended."""

    row_id: int
    status: OutboxStatus
    at: datetime
    message_id: int | None = None
    error: str | None = None


_SETTLE_SENT = """
UPDATE tip_outbox
   SET status = 'sent', sent_at = json_extract(json_each.value, '$[2]'),
       message_id = json_extract(json_each.value, '$[1]'), last_error = NULL
  FROM json_each(?)
 WHERE tip_outbox.id = json_extract(json_each.value, '$[0]')
"""
"""Sent rows, from a JSON array of [row id, message id, sent at]."""

_SETTLE_OTHER = """
UPDATE tip_outbox
   SET status = json_extract(json_each.value, '$[1]'), message_id = NULL,
       last_error = json_extract(json_each.value, '$[2]')
  FROM json_each(?)
 WHERE tip_outbox.id = json_extract(json_each.value, '$[0]')
"""
"""Rows that failed or whose student blocked the bot, from a JSON array of [row id,
status, error]; their time of sending stays as it was."""


class TipsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- subscriptions ------------------------------------------------------------------

    async def subscription(self, user_id: int) -> Subscription | None:
        row = await self._db.fetchone(
            "SELECT * FROM tip_subscriptions WHERE user_id = ?", (user_id,)
        )
        return _subscription(row) if row else None

    async def save_subscription(
        self,
        user_id: int,
        status: SubscriptionStatus,
        timezone: str,
        window: Window,
        interval: timedelta,
        now: datetime,
    ) -> None:
        stamp = to_db(now)
        seconds = int(interval.total_seconds())
        await self._db.execute(
            """
            INSERT INTO tip_subscriptions (user_id, status, timezone, window_start, window_end,
                                           interval_seconds, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                status = excluded.status, timezone = excluded.timezone,
                window_start = excluded.window_start, window_end = excluded.window_end,
                interval_seconds = excluded.interval_seconds, updated_at = excluded.updated_at
            """,
            (
                user_id,
                status.value,
                timezone,
                window.start_hour,
                window.end_hour,
                seconds,
                stamp,
                stamp,
            ),
        )

    async def set_status(self, user_id: int, status: SubscriptionStatus, now: datetime) -> None:
        await self._db.execute(
            "UPDATE tip_subscriptions SET status = ?, updated_at = ? WHERE user_id = ?",
            (status.value, to_db(now), user_id),
        )

    # --- the outbox ---------------------------------------------------------------------

    async def replace_plan(
        self, user_id: int, plan: Sequence[tuple[str, datetime]], now: datetime
    ) -> None:
        """Cancel what is still pending and queue `plan` (tip id, due time) in its order."""
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE tip_outbox SET status = 'cancelled'"
                " WHERE user_id = ? AND status IN ('pending', 'sending')",
                (user_id,),
            )
            await tx.executemany(
                "INSERT INTO tip_outbox (user_id, tip_id, position, due_at, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (user_id, tip_id, position, to_db(due), stamp)
                    for position, (tip_id, due) in enumerate(plan)
                ],
            )

    async def pending(self, user_id: int) -> list[PlannedTip]:
        rows = await self._db.fetchall(
            "SELECT * FROM tip_outbox WHERE user_id = ? AND status = 'pending'"
            " ORDER BY due_at, position",
            (user_id,),
        )
        return [_planned(row) for row in rows]

    async def set_due_times(self, moves: Sequence[tuple[int, datetime]]) -> None:
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE tip_outbox SET due_at = ? WHERE id = ? AND status = 'pending'",
                [(to_db(due), row_id) for row_id, due in moves],
            )

    async def cancel_pending(self, user_id: int) -> int:
        return await self._db.execute(
            "UPDATE tip_outbox SET status = 'cancelled'"
            " WHERE user_id = ? AND status IN ('pending', 'sending')",
            (user_id,),
        )

    async def sent_tip_ids(self, user_id: int) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT tip_id FROM tip_outbox WHERE user_id = ? AND status = 'sent' ORDER BY sent_at",
            (user_id,),
        )
        return [row["tip_id"] for row in rows]

    async def count_sent(self, user_id: int) -> int:
        return int(
            await self._db.fetchval(
                "SELECT COUNT(*) FROM tip_outbox WHERE user_id = ? AND status = 'sent'",
                (user_id,),
            )
        )

    async def due(self, now: datetime, limit: int) -> list[DueTip]:
        """Pending rows due by `now` of active subscribers who have not blocked the bot.

        Only the columns a letter needs, unpacked by position: a thousand rows of
        `o.*` read by name took about twice as long to turn into DueTips."""
        rows = await self._db.fetchall(
            """
            SELECT o.id, o.user_id, o.tip_id, o.due_at, u.locale, u.language_code
              FROM tip_outbox o
              JOIN tip_subscriptions s ON s.user_id = o.user_id AND s.status = 'active'
              JOIN users u ON u.id = o.user_id AND u.blocked_at IS NULL
             WHERE o.status = 'pending' AND o.due_at <= ?
             ORDER BY o.due_at, o.id
             LIMIT ?
            """,
            (to_db(now), limit),
        )
        return [
            DueTip(PendingTip(row_id, user_id, tip_id, from_db(due_at)), locale, language_code)
            for row_id, user_id, tip_id, due_at, locale, language_code in rows
        ]

    async def claim(self, row_ids: Sequence[int]) -> list[bool]:
        """Mark rows as being sent, right before their requests; False for a row that
        must not go: cancelled meanwhile, or the student paused, stopped or blocked the
        bot. One statement for the lot."""
        rows = await self._db.fetchall(
            """
            UPDATE tip_outbox SET status = 'sending', attempts = attempts + 1
             WHERE id IN (SELECT value FROM json_each(:ids))
               -- '+': the rows are looked up by id, never through an index on status
               AND +status IN ('pending', 'sending')
               AND EXISTS (SELECT 1 FROM tip_subscriptions s JOIN users u ON u.id = s.user_id
                            WHERE s.user_id = tip_outbox.user_id AND s.status = 'active'
                              AND u.blocked_at IS NULL)
            RETURNING id
            """,
            {"ids": json.dumps(list(row_ids))},
        )
        claimed = {row["id"] for row in rows}
        return [row_id in claimed for row_id in row_ids]

    async def release(self, row_id: int) -> None:
        """A claimed row that was not sent goes back to the queue (cancelled stays)."""
        await self._db.execute(
            "UPDATE tip_outbox SET status = 'pending' WHERE id = ? AND status = 'sending'",
            (row_id,),
        )

    async def settle(self, outcomes: Sequence[TipOutcome]) -> list[None]:
        """Record how the requests of claimed rows ended: a statement per kind of outcome,
        all in one trip to SQLite's thread.

        Each statement is one UPDATE over a JSON array of the outcomes instead of an
        UPDATE per row: atomic all the same, and one hand-off to SQLite's thread
        instead of three. Nearly every outcome is a sent tip, so those have a statement
        of their own that reads three fields a row (a sixth less SQLite time than one
        statement for every kind); a batch that also holds failures runs both
        statements in one transaction. A sent outcome records no error, and a failed
        one no message id. A batch's outcomes mostly share their time, so each distinct
        time is formatted once."""
        stamps: dict[datetime, str] = {}
        sent: list[tuple[int, int | None, str]] = []
        other: list[tuple[int, str, str | None]] = []
        for o in outcomes:
            if o.status == OutboxStatus.SENT:
                stamp = stamps.get(o.at) or stamps.setdefault(o.at, to_db(o.at))
                sent.append((o.row_id, o.message_id, stamp))
            else:
                other.append((o.row_id, o.status.value, o.error))
        statements = [(_SETTLE_SENT, sent), (_SETTLE_OTHER, other)]
        work = [(sql, (json.dumps(rows),)) for sql, rows in statements if rows]
        if len(work) == 1:
            await self._db.run(*work[0])
        elif work:

            def both(conn: sqlite3.Connection) -> None:
                for sql, params in work:
                    conn.execute(sql, params)

            await self._db.atomic(both)
        return [None] * len(outcomes)

    async def mark(
        self, row_ids: Sequence[int], status: OutboxStatus, error: str | None = None
    ) -> None:
        if not row_ids:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE tip_outbox SET status = ?, last_error = ? WHERE id = ?",
                [(status.value, error, row_id) for row_id in row_ids],
            )

    async def release_interrupted(self) -> int:
        """Rows left 'sending' by a crash go back to the queue (sent again at most once)."""
        return await self._db.execute(
            "UPDATE tip_outbox SET status = 'pending' WHERE status = 'sending'"
        )

    # --- feedback -----------------------------------------------------------------------

    async def feedback(self, user_id: int, tip_id: str, verdict: Verdict, now: datetime) -> None:
        await self._db.execute(
            """
            INSERT INTO tip_feedback (user_id, tip_id, verdict, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, tip_id) DO UPDATE SET verdict = excluded.verdict,
                                                        created_at = excluded.created_at
            """,
            (user_id, tip_id, verdict.value, to_db(now)),
        )

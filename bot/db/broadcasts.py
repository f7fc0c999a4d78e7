"""Broadcasts and their outbox: one row per recipient, claimed right before its request.

Recipients are fixed when a broadcast starts (its audience evaluated then, not when
it was composed), in one INSERT ... SELECT. A row's status moves pending -> sending
-> sent | blocked | failed, or -> skipped when the broadcast is cancelled. A crash
leaves rows 'sending'; start-up queues them again, marked uncertain.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.database import Database
from bot.domain import Audience, Broadcast, BroadcastCounts, BroadcastKind, BroadcastStatus


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    def moment(name: str) -> datetime | None:
        return from_db(row[name]) if row[name] else None

    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        kind=BroadcastKind(row["kind"]),
        source_chat_id=row["source_chat_id"],
        source_message_id=row["source_message_id"],
        tip_id=row["tip_id"],
        buttons=tuple((str(text), str(url)) for text, url in json.loads(row["buttons"])),
        audience=Audience.from_dict(json.loads(row["audience"])),
        status=BroadcastStatus(row["status"]),
        scheduled_at=moment("scheduled_at"),
        started_at=moment("started_at"),
        finished_at=moment("finished_at"),
        total=row["total"],
        progress_message_id=row["progress_message_id"],
        reported_at=moment("reported_at"),
        created_at=from_db(row["created_at"]),
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    broadcast_id: int
    user_id: int
    locale: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class Settled:
    """The outcome of one claimed outbox row."""

    broadcast_id: int
    user_id: int
    status: str
    at: datetime
    message_id: int | None = None
    error: str | None = None


# Who an audience is (over `users u`). Every filter is a parameter, NULL meaning "any":
# one fixed statement, no SQL put together from pieces. The band and the recommended
# specialisation are those of the student's latest result, and only of a reliable one:
# a result flagged as careless ($.flags) says it may be inaccurate, so it puts the
# student in no band's audience.
_LATEST_RELIABLE_PROFILE = """(
             SELECT CASE WHEN IFNULL(json_array_length(a.profile, '$.flags'), 0) = 0
                         THEN a.profile END
               FROM attempts a WHERE a.user_id = u.id AND a.status = 'finished'
              ORDER BY a.finished_at DESC, a.id DESC LIMIT 1)"""

AUDIENCE = f"""
    u.blocked_at IS NULL AND u.news_off_at IS NULL
    AND EXISTS (SELECT 1 FROM consents c WHERE c.user_id = u.id)
    AND u.id NOT IN (SELECT user_id FROM staff)
    AND u.id NOT IN (SELECT value FROM json_each(:admins))
    AND (:centre IS NULL OR u.centre_id = :centre)
    AND (:band IS NULL OR :band = json_extract({_LATEST_RELIABLE_PROFILE}, '$.band'))
    AND (:specialisation IS NULL
         OR :specialisation = json_extract({_LATEST_RELIABLE_PROFILE}, '$.recommended'))
    AND (:finished IS NULL OR :finished = EXISTS (
             SELECT 1 FROM attempts a WHERE a.user_id = u.id AND a.status = 'finished'))
    AND (:subscribed IS NULL OR :subscribed = EXISTS (
             SELECT 1 FROM tip_subscriptions t WHERE t.user_id = u.id AND t.status = 'active'))
    AND (:language IS NULL OR :language = COALESCE(u.locale,
             CASE WHEN lower(u.language_code) LIKE 'en%' THEN 'en'
                  WHEN lower(u.language_code) LIKE 'ru%' THEN 'ru'
                  ELSE :default_locale END))
    AND (:active_since IS NULL OR u.last_seen_at >= :active_since)
"""  # noqa: S608 -- constant text only: every value is a parameter

# Both join constant text only: every value is a parameter.
_COUNT = "SELECT COUNT(*) FROM users u WHERE" + AUDIENCE  # noqa: S608
_FILL = (
    "INSERT INTO broadcast_outbox (broadcast_id, user_id)"  # noqa: S608
    " SELECT :broadcast, u.id FROM users u WHERE" + AUDIENCE
)


def audience_params(
    audience: Audience, *, now: datetime, default_locale: str, staff: Collection[int]
) -> dict[str, Any]:
    """The parameters of :data:`AUDIENCE`: students who blocked the bot or turned news
    off are always left out, and so is the staff (they see the preview); so is anyone
    who never agreed to the personal data notice (a row from before it existed)."""

    def flag(value: bool | None) -> int | None:
        return None if value is None else int(value)

    return {
        "admins": json.dumps(sorted(staff)),
        "centre": audience.centre_id,
        "band": audience.band,
        "specialisation": audience.specialisation,
        "finished": flag(audience.finished),
        "subscribed": flag(audience.subscribed),
        "language": audience.language,
        "default_locale": default_locale,
        "active_since": None
        if audience.active_days is None
        else to_db(now - timedelta(days=audience.active_days)),
    }


class BroadcastsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        *,
        created_by: int,
        kind: BroadcastKind,
        source: tuple[int, int] | None,
        tip_id: str | None,
        now: datetime,
    ) -> Broadcast:
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO broadcasts (created_by, kind, source_chat_id, source_message_id,
                                        tip_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    created_by,
                    kind.value,
                    source[0] if source else None,
                    source[1] if source else None,
                    tip_id,
                    stamp,
                    stamp,
                ),
            )
            row = await tx.fetchone("SELECT * FROM broadcasts WHERE id = last_insert_rowid()")
        assert row is not None
        return _broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def recent(self, limit: int) -> list[Broadcast]:
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE status <> 'draft' ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_broadcast(row) for row in rows]

    async def active(self) -> list[Broadcast]:
        """Started and not over: being sent or paused."""
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE status IN ('sending', 'paused') ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def unreported(self) -> list[Broadcast]:
        """Over, but the operator has not had the final report yet."""
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE status IN ('done', 'cancelled') AND reported_at IS NULL"
            " AND total > 0 ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    async def update_draft(self, broadcast_id: int, **fields: Any) -> bool:
        """Change a draft's buttons or audience; False once it is no longer a draft."""
        allowed = {"buttons", "audience"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"only {sorted(allowed)} of a draft can change")
        values = {
            "buttons": json.dumps(fields["buttons"], ensure_ascii=False)
            if "buttons" in fields
            else None,
            "audience": json.dumps(fields["audience"].to_dict(), ensure_ascii=False)
            if "audience" in fields
            else None,
        }
        changed = await self._db.execute(
            """
            UPDATE broadcasts SET buttons = IFNULL(:buttons, buttons),
                                  audience = IFNULL(:audience, audience)
             WHERE id = :id AND status = 'draft'
            """,
            {**values, "id": broadcast_id},
        )
        return changed == 1

    async def count(self, audience: dict[str, Any]) -> int:
        """Students in an audience (its :func:`audience_params`)."""
        return int(await self._db.fetchval(_COUNT, audience) or 0)

    async def schedule(
        self, broadcast_id: int, at: datetime | None, progress_message_id: int | None, now: datetime
    ) -> bool:
        """A draft is confirmed: it starts at `at` (None: at the next delivery round)."""
        changed = await self._db.execute(
            """
            UPDATE broadcasts SET status = 'scheduled', scheduled_at = ?, progress_message_id = ?,
                                  updated_at = ?
             WHERE id = ? AND status = 'draft'
            """,
            (to_db(at or now), progress_message_id, to_db(now), broadcast_id),
        )
        return changed == 1

    async def due(self, now: datetime) -> list[Broadcast]:
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY id",
            (to_db(now),),
        )
        return [_broadcast(row) for row in rows]

    async def start(self, broadcast_id: int, audience: dict[str, Any], now: datetime) -> int | None:
        """Fix the recipients and start sending; the number of recipients, or None if it
        was no longer scheduled (cancelled meanwhile)."""
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                (stamp, stamp, broadcast_id),
            )
            if changed != 1:
                return None
            await tx.execute(_FILL, {**audience, "broadcast": broadcast_id})
            total = int(
                await tx.fetchval(
                    "SELECT COUNT(*) FROM broadcast_outbox WHERE broadcast_id = ?",
                    (broadcast_id,),
                )
            )
            await tx.execute("UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id))
        return total

    async def next_batch(self, limit: int) -> list[Recipient]:
        """Pending recipients of the broadcasts being sent, oldest broadcast first."""
        rows = await self._db.fetchall(
            """
            SELECT o.broadcast_id, o.user_id, u.locale, u.language_code
              FROM broadcasts b
              JOIN broadcast_outbox o ON o.broadcast_id = b.id AND o.status = 'pending'
              JOIN users u ON u.id = o.user_id
             WHERE b.status = 'sending'
             ORDER BY b.id, o.user_id
             LIMIT ?
            """,
            (limit,),
        )
        return [
            Recipient(row["broadcast_id"], row["user_id"], row["locale"], row["language_code"])
            for row in rows
        ]

    async def claim(self, keys: Sequence[tuple[int, int]]) -> list[bool]:
        """Right before the requests (again after a 429 pause), for each (broadcast,
        student): the broadcast is still being sent and this row is not settled. One
        statement for the lot."""
        rows = await self._db.fetchall(
            """
            UPDATE broadcast_outbox SET status = 'sending'
             WHERE (broadcast_id, user_id) IN (
                   SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
                     FROM json_each(:keys))
               AND status IN ('pending', 'sending')
               AND broadcast_id IN (SELECT id FROM broadcasts WHERE status = 'sending')
            RETURNING broadcast_id, user_id
            """,
            {"keys": json.dumps(keys)},
        )
        claimed = {(row["broadcast_id"], row["user_id"]) for row in rows}
        return [tuple(key) in claimed for key in keys]

    async def release(self, broadcast_id: int, user_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcast_outbox SET status = 'pending'"
            " WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
            (broadcast_id, user_id),
        )

    async def settle(self, outcomes: Sequence[Settled]) -> list[None]:
        """Record the outcomes of claimed rows, in one transaction."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                """
                UPDATE broadcast_outbox SET status = ?, message_id = ?, error = ?, sent_at = ?
                 WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'
                """,
                (
                    (o.status, o.message_id, o.error, to_db(o.at), o.broadcast_id, o.user_id)
                    for o in outcomes
                ),
            )
        return [None] * len(outcomes)

    async def release_interrupted(self) -> int:
        """At start-up: rows a crash left mid-send are queued again, marked uncertain."""
        return await self._db.execute(
            "UPDATE broadcast_outbox SET status = 'pending', uncertain = 1 WHERE status = 'sending'"
        )

    async def counts(self, broadcast_id: int) -> BroadcastCounts:
        rows = await self._db.fetchall(
            """
            SELECT status, COUNT(*) AS n, SUM(uncertain) AS uncertain
              FROM broadcast_outbox WHERE broadcast_id = ? GROUP BY status
            """,
            (broadcast_id,),
        )
        by_status = {row["status"]: row["n"] for row in rows}
        uncertain = sum(int(row["uncertain"] or 0) for row in rows)
        return BroadcastCounts(**by_status, uncertain=uncertain)

    async def set_status(
        self,
        broadcast_id: int,
        to: BroadcastStatus,
        allowed_from: Iterable[BroadcastStatus],
        now: datetime,
    ) -> bool:
        """Move a broadcast on (pause, resume, cancel, done) if it is in `allowed_from`.

        Cancelling settles every recipient not yet sent as skipped.
        """
        stamp = to_db(now)
        finished = to.over
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                """
                UPDATE broadcasts SET status = :to, updated_at = :now,
                       finished_at = CASE WHEN :finished THEN :now ELSE finished_at END
                 WHERE id = :id AND status IN (SELECT value FROM json_each(:from))
                """,
                {
                    "to": to.value,
                    "now": stamp,
                    "finished": finished,
                    "id": broadcast_id,
                    "from": json.dumps([s.value for s in allowed_from]),
                },
            )
            if changed == 1 and to == BroadcastStatus.CANCELLED:
                await tx.execute(
                    "UPDATE broadcast_outbox SET status = 'skipped'"
                    " WHERE broadcast_id = ? AND status = 'pending'",
                    (broadcast_id,),
                )
        return changed == 1

    async def finish_completed(self, now: datetime) -> list[int]:
        """Broadcasts being sent with no recipient left to send: done."""
        rows = await self._db.fetchall(
            """
            SELECT b.id FROM broadcasts b
             WHERE b.status = 'sending' AND NOT EXISTS (
                   SELECT 1 FROM broadcast_outbox o
                    WHERE o.broadcast_id = b.id AND o.status IN ('pending', 'sending'))
            """
        )
        finished = []
        for row in rows:
            if await self.set_status(
                row["id"], BroadcastStatus.DONE, [BroadcastStatus.SENDING], now
            ):
                finished.append(row["id"])
        return finished

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
        )

    async def mark_reported(self, broadcast_id: int, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
            (to_db(now), broadcast_id),
        )
        return changed == 1

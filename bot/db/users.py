"""Users: who talked to the bot, in which language, where they came from, whether they
want news."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.clock import from_db, to_db
from bot.db.database import Database
from bot.domain import SeenUser, User


def _user(row: aiosqlite.Row, consent_version: str | None = None) -> User:
    """A user from their row; `consent_version` for a row read without that column."""
    return User(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        locale=row["locale"],
        source=row["source"],
        centre_id=row["centre_id"],
        created_at=from_db(row["created_at"]),
        last_seen_at=from_db(row["last_seen_at"]),
        blocked_at=from_db(row["blocked_at"]) if row["blocked_at"] else None,
        news_off_at=from_db(row["news_off_at"]) if row["news_off_at"] else None,
        consent_version=row["consent_version"] if consent_version is None else consent_version,
    )


# The version of the notice a user (the row `users`) last agreed to.
LAST_CONSENT = """
(SELECT version FROM consents WHERE consents.user_id = users.id
  ORDER BY agreed_at DESC, version DESC LIMIT 1)
"""

# A user's row with the version of the notice they last agreed to.
SELECT_USER = f"SELECT users.*, {LAST_CONSENT} AS consent_version FROM users WHERE id = ?"  # noqa: S608


class UsersRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def touch_agreed(
        self, visits: Sequence[SeenUser], now: datetime, version: str
    ) -> list[User | None]:
        """Record visits of students whose last agreement is to notice `version`, as
        `touch` does, in one statement for them all; None (nothing written) for anyone
        else. Results are in the order of `visits`.

        The common update, a student who agreed pressing a button, costs a share of one
        trip to the database instead of a read and a transaction of three statements.
        Of two visits of one student here, the last one's names are kept, as if they had
        come one after the other.
        """
        latest = {seen.id: seen for seen in visits}
        rows = await self._db.fetchall(
            f"""
            UPDATE users
               SET first_name = json_extract(v.value, '$[1]'),
                   last_name = json_extract(v.value, '$[2]'),
                   username = json_extract(v.value, '$[3]'),
                   language_code = json_extract(v.value, '$[4]'),
                   last_seen_at = :now, blocked_at = NULL
              FROM json_each(:visits) AS v
             WHERE users.id = json_extract(v.value, '$[0]') AND {LAST_CONSENT} = :version
            RETURNING *
            """,  # noqa: S608 (LAST_CONSENT is a literal above)
            {
                "visits": json.dumps(
                    [
                        (s.id, s.first_name, s.last_name, s.username, s.language_code)
                        for s in latest.values()
                    ],
                    ensure_ascii=False,
                ),
                "now": to_db(now),
                "version": version,
            },
        )
        by_id = {row["id"]: _user(row, consent_version=version) for row in rows}
        return [by_id.get(s.id) for s in visits]

    async def touch(self, seen: SeenUser, now: datetime) -> tuple[User, bool]:
        """Record a visit: create the user once, later refresh names and last-seen.

        A user who writes again is reachable again, so `blocked_at` is cleared.
        Returns the stored user and whether this visit created them.
        """
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                """
                INSERT INTO users (id, first_name, last_name, username, language_code,
                                   created_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """,
                (
                    seen.id,
                    seen.first_name,
                    seen.last_name,
                    seen.username,
                    seen.language_code,
                    stamp,
                    stamp,
                ),
            )
            created = changed == 1
            if not created:
                await tx.execute(
                    """
                    UPDATE users
                       SET first_name = ?, last_name = ?, username = ?, language_code = ?,
                           last_seen_at = ?, blocked_at = NULL
                     WHERE id = ?
                    """,
                    (
                        seen.first_name,
                        seen.last_name,
                        seen.username,
                        seen.language_code,
                        stamp,
                        seen.id,
                    ),
                )
            row = await tx.fetchone(SELECT_USER, (seen.id,))
        assert row is not None
        return _user(row), created

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetchone(SELECT_USER, (user_id,))
        return _user(row) if row else None

    async def set_source_if_empty(self, user_id: int, source: str) -> bool:
        """First touch wins: store the deep-link source only if the user has none."""
        changed = await self._db.execute(
            "UPDATE users SET source = ? WHERE id = ? AND source IS NULL",
            (source, user_id),
        )
        return changed == 1

    async def join_centre_if_none(self, user_id: int, centre_id: int) -> bool:
        """First touch wins: a student belongs to the first centre they arrived through."""
        changed = await self._db.execute(
            "UPDATE users SET centre_id = ? WHERE id = ? AND centre_id IS NULL",
            (centre_id, user_id),
        )
        return changed == 1

    async def set_locale(self, user_id: int, locale: str | None) -> None:
        await self._db.execute("UPDATE users SET locale = ? WHERE id = ?", (locale, user_id))

    async def set_news(self, user_id: int, wanted: bool, now: datetime) -> bool:
        """Turn operators' news on or off; returns whether that changed anything.

        Turning them off again keeps the moment they were first turned off.
        """
        if wanted:
            changed = await self._db.execute(
                "UPDATE users SET news_off_at = NULL WHERE id = ? AND news_off_at IS NOT NULL",
                (user_id,),
            )
        else:
            changed = await self._db.execute(
                "UPDATE users SET news_off_at = ? WHERE id = ? AND news_off_at IS NULL",
                (to_db(now), user_id),
            )
        return changed == 1

    async def mark_blocked(self, user_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE users SET blocked_at = ? WHERE id = ? AND blocked_at IS NULL",
            (to_db(now), user_id),
        )

    async def mark_unblocked(self, user_id: int) -> None:
        await self._db.execute("UPDATE users SET blocked_at = NULL WHERE id = ?", (user_id,))

"""Personal data: consent records, and finding, exporting and deleting every row about
one person, whatever table it is in.

Which tables hold rows about a person is read from the schema itself, not listed
here: a column named `user_id`, or one that references `users (id)`, names a person
(see migrations/0007_consent_and_privacy.sql). A table added by a later migration
that follows this convention is exported and deleted with no change to this file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import to_db
from bot.db.database import Database
from bot.db.users import UsersRepo
from bot.domain import SeenUser, User

USERS = "users"
PERSON_COLUMN = "user_id"
OTHER_PERSON_COLUMNS = frozenset({"created_by"})
"""Columns naming whoever made a record (an admin's invite a student opened): left out
of a student's export, which is about them and nobody else."""


@dataclass(frozen=True, slots=True)
class PersonColumn:
    """A column whose value is a person's Telegram id."""

    table: str
    column: str
    set_null: bool
    """The reference says ON DELETE SET NULL: the row is someone else's record (an
    admin's invite, say) and only the link to the person goes."""


@dataclass(frozen=True, slots=True)
class ChildLink:
    """A table whose rows hang below another table's rows (answers below attempts)."""

    table: str
    column: str
    parent: str
    parent_column: str


def _quote(name: str) -> str:
    """An identifier for SQL. Every name quoted here comes from the schema itself
    (sqlite_master, pragma_table_info), never from a user: hence the S608 waivers."""
    return '"' + name.replace('"', '""') + '"'


class PrivacyRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ consent

    async def save_notices(self, version: str, texts: Mapping[str, str], now: datetime) -> None:
        """Keep the exact texts of a notice version (once; a later start changes nothing)."""
        await self._db.executemany(
            """
            INSERT INTO consent_notices (version, locale, text, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """,
            [(version, locale, text, to_db(now)) for locale, text in texts.items()],
        )

    async def agree(self, seen: SeenUser, version: str, locale: str, now: datetime) -> User:
        """Store the person and their consent to `version` together (one transaction):
        there is never a student row without the consent that allowed it."""
        async with self._db.transaction() as tx:
            await UsersRepo(tx).touch(seen, now)
            await tx.execute(
                """
                INSERT INTO consents (user_id, version, locale, agreed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id, version) DO UPDATE SET locale = excluded.locale,
                                                             agreed_at = excluded.agreed_at
                """,
                (seen.id, version, locale, to_db(now)),
            )
            user = await UsersRepo(tx).get(seen.id)
        assert user is not None
        return user

    # ------------------------------------------------------------------ the schema

    async def _tables(self) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        return [str(row["name"]) for row in rows]

    async def person_columns(self) -> list[PersonColumn]:
        """Every column, in every table, that holds a person's Telegram id (`users.id`
        itself not included)."""
        found: list[PersonColumn] = []
        for table in await self._tables():
            if table == USERS:
                continue
            references = {
                str(row["from"]): str(row["on_delete"]).upper() == "SET NULL"
                for row in await self._db.fetchall(
                    "SELECT * FROM pragma_foreign_key_list(?)", (table,)
                )
                if str(row["table"]) == USERS
            }
            columns = [
                str(row["name"])
                for row in await self._db.fetchall(
                    "SELECT name FROM pragma_table_info(?)", (table,)
                )
            ]
            for column in columns:
                if column in references:
                    found.append(PersonColumn(table, column, references[column]))
                elif column == PERSON_COLUMN:
                    found.append(PersonColumn(table, column, set_null=False))
        return found

    async def child_links(self, parents: set[str]) -> list[ChildLink]:
        """Tables whose rows reference rows of `parents` (other than users)."""
        links: list[ChildLink] = []
        for table in await self._tables():
            for row in await self._db.fetchall(
                "SELECT * FROM pragma_foreign_key_list(?)", (table,)
            ):
                parent = str(row["table"])
                if parent in parents and parent != USERS and row["to"] is not None:
                    links.append(ChildLink(table, str(row["from"]), parent, str(row["to"])))
        return links

    # ------------------------------------------------------------------ export and erase

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person, table by table (see `_rows_about`), without the
        columns that name someone else."""
        found = await self._rows_about(user_id)
        return {
            table: [{k: v for k, v in row.items() if k not in OTHER_PERSON_COLUMNS} for row in rows]
            for table, rows in found.items()
        }

    async def _rows_about(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person, table by table: their `users` row, the rows that
        name them, and the rows below those (the answers of their attempts)."""
        found: dict[str, list[dict[str, Any]]] = {}
        user_rows = await self._db.fetchall("SELECT * FROM users WHERE id = ?", (user_id,))
        if user_rows:
            found[USERS] = [dict(row) for row in user_rows]
        for person in await self.person_columns():
            rows = await self._db.fetchall(
                f"SELECT * FROM {_quote(person.table)} WHERE {_quote(person.column)} = ?",  # noqa: S608
                (user_id,),
            )
            if rows:
                found.setdefault(person.table, []).extend(dict(row) for row in rows)
        for link in await self.child_links(set(found)):
            keys = sorted({row[link.parent_column] for row in found[link.parent]})
            if not keys or link.table in found:
                continue
            marks = ", ".join("?" for _ in keys)
            rows = await self._db.fetchall(
                f"SELECT * FROM {_quote(link.table)} WHERE {_quote(link.column)} IN ({marks})",  # noqa: S608
                keys,
            )
            if rows:
                found[link.table] = [dict(row) for row in rows]
        return found

    async def erase(self, user_id: int) -> dict[str, int]:
        """Delete every row about the person in one transaction; returns rows per table.

        Rows that name them go first (a SET NULL reference is cleared instead), then
        their `users` row; rows below those (answers) go by ON DELETE CASCADE.
        """
        removed: dict[str, int] = {}
        columns = await self.person_columns()
        async with self._db.transaction() as tx:
            for person in columns:
                table, column = _quote(person.table), _quote(person.column)
                if person.set_null:
                    await tx.execute(
                        f"UPDATE {table} SET {column} = NULL WHERE {column} = ?",  # noqa: S608
                        (user_id,),
                    )
                    continue
                count = await tx.execute(
                    f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608
                    (user_id,),
                )
                if count:
                    removed[person.table] = removed.get(person.table, 0) + count
            count = await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
            if count:
                removed[USERS] = count
        return removed

    async def inactive(self, before: datetime, keep: frozenset[int]) -> list[int]:
        """People not seen since `before`, except staff (granted roles) and `keep`."""
        rows = await self._db.fetchall(
            """
            SELECT id FROM users
             WHERE last_seen_at < ?
               AND NOT EXISTS (SELECT 1 FROM staff WHERE staff.user_id = users.id)
             ORDER BY id
            """,
            (to_db(before),),
        )
        return [int(row["id"]) for row in rows if int(row["id"]) not in keep]

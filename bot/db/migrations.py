"""Numbered SQL migrations (`migrations/NNNN_name.sql`), applied in order and recorded.

Each file runs in its own transaction together with the row that records it, so a
failing migration leaves the database exactly as it was and stops with the file
name and SQLite's error. Files must not manage transactions themselves.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.db.database import Database
from bot.resources import PACKAGED_MIGRATIONS

log = logging.getLogger(__name__)

MIGRATIONS_DIR = PACKAGED_MIGRATIONS
FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# The first word of a statement that would manage the transaction itself.
_TX_WORDS = re.compile(r"(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


class MigrationError(Exception):
    """A migration could not be applied; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; a stray or duplicate name is an error."""
    if not folder.is_dir():
        raise MigrationError(f"{folder}: migrations folder not found")
    found: dict[int, Migration] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".sql":
            continue
        match = FILE_RE.fullmatch(path.name)
        if not match:
            raise MigrationError(f"{path.name}: expected a name like 0001_create_users.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version} is used by {found[version].path.name}"
            )
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


async def _ensure_table(db: Database) -> None:
    await db.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """
    )


async def applied_versions(db: Database) -> dict[int, str]:
    await _ensure_table(db)
    rows = await db.fetchall("SELECT version, checksum FROM schema_migrations")
    return {int(row["version"]): str(row["checksum"]) for row in rows}


async def apply_migrations(db: Database, folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every pending migration in order; return the ones applied now."""
    migrations = discover(folder)
    done = await applied_versions(db)
    for migration in migrations:
        if migration.version in done and done[migration.version] != migration.checksum:
            log.warning(
                "migration %s changed after it was applied; the change is not re-run",
                migration.path.name,
            )
    applied: list[Migration] = []
    for migration in (m for m in migrations if m.version not in done):
        if await _apply_one(db, migration):
            log.info("applied migration %s", migration.path.name)
            applied.append(migration)
    return applied


async def _apply_one(db: Database, migration: Migration) -> bool:
    """Apply one file; False if another process applied it first."""
    try:
        statements = split_statements(migration.sql)
    except ValueError as exc:
        raise MigrationError(f"{migration.path.name}: {exc}") from None
    for statement in statements:
        if _TX_WORDS.match(_strip_comments(statement)):
            raise MigrationError(
                f"{migration.path.name}: must not contain BEGIN/COMMIT/ROLLBACK;"
                " each migration already runs in its own transaction"
            )
    conn = db.connection
    async with db.transaction():
        if await db.fetchval(
            "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
        ):
            return False
        try:
            # executescript would COMMIT first, so run statement by statement.
            for statement in statements:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                " VALUES (?, ?, ?, ?)",
                (
                    migration.version,
                    migration.name,
                    migration.checksum,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
        except sqlite3.Error as exc:
            raise MigrationError(f"{migration.path.name}: {exc}") from exc
    return True


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers with inner `;` stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if _strip_comments(buffer):
                statements.append(buffer.strip())
            buffer = ""
    if _strip_comments(buffer):
        raise ValueError(f"incomplete SQL statement at the end: {buffer.strip()[:80]!r}")
    return statements


def _strip_comments(sql: str) -> str:
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return " ".join(lines).strip().strip(";").strip()

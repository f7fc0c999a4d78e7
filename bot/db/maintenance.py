"""The database file seen from outside the running bot: a health probe and an online
backup. Plain `sqlite3`: the CLI calls these directly, the webhook server's health check
runs the probe in a thread."""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.db.database import (
    BUSY_TIMEOUT_MS,
    DatabaseOpenError,
    _read_only_uri,
    hold_database,
)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise DatabaseOpenError(f"{path} does not exist or is not a file")
    try:
        return sqlite3.connect(_read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise DatabaseOpenError(f"cannot open {path}: {exc}") from None


def probe(path: Path) -> int:
    """Open the database read-only and read it; return how many migrations it has had.

    Raises :class:`DatabaseOpenError` with a one-line reason: no file, not a database,
    not this bot's database (no migrations table), locked for longer than the busy timeout.
    """
    with closing(_connect_read_only(path)) as conn:
        try:
            (count,) = conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()
        except sqlite3.Error as exc:
            raise DatabaseOpenError(f"cannot read {path}: {exc}") from None
    return int(count)


@dataclass(frozen=True)
class Backup:
    path: Path
    pages: int
    size: int
    seconds: float


def backup_name(source: Path, now: datetime) -> str:
    """The file name a backup gets in a folder: the database's, with the UTC time."""
    return f"{source.stem}-{now.astimezone(UTC):%Y%m%d-%H%M%S}{source.suffix or '.sqlite3'}"


def backup(
    source: Path, target: Path, *, into_folder: bool = False, now: datetime | None = None
) -> Backup:
    """Copy the database with SQLite's online backup API while the bot keeps running.

    The copy is one read transaction, so it is the database as of one moment, and under
    WAL it does not hold the bot's writes up. It is written beside `target` under a
    temporary name readable by its owner only, switched to a single-file journal, checked
    with `integrity_check`, flushed to disk and only then renamed to `target`: `target` is
    always either the old backup or a whole new one. A folder as `target` (an existing
    one, or any with `into_folder`) gets a file named after the time; missing folders are
    made (for the owner only).
    """
    started = time.monotonic()
    if into_folder or target.is_dir():
        target = target / backup_name(source, now or datetime.now(UTC))
    if target.resolve() == source.resolve():
        raise DatabaseOpenError(f"{target} is the database itself: name another file")
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseOpenError(
            f"cannot create the folder {target.parent}: {exc.strerror or exc}"
        ) from None
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch(mode=0o600)  # students' data: for the bot's user only, from the start
        with closing(_connect_read_only(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # all pages in one step: one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # the copy is one self-contained file
            (pages,) = dst.execute("PRAGMA page_count").fetchone()
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise DatabaseOpenError(f"the copy of {source} failed integrity_check: {problems[0]}")
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except sqlite3.Error as exc:
        raise DatabaseOpenError(f"cannot back up {source} to {target}: {exc}") from None
    except OSError as exc:
        raise DatabaseOpenError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, int(pages), target.stat().st_size, time.monotonic() - started)


def restore(source: Path, database: Path) -> Backup:
    """Put a backup back as the database, through the same backup API run the other way.

    SQLite writes the pages itself, so a `-wal` file left beside the database is dealt
    with, never replayed over the restored data (which a plain `cp` risks). The backup is
    checked first and left as it is. Stop the bot before: it keeps some things in memory,
    and a restore refuses to start while it runs (see `RunLock`).
    """
    started = time.monotonic()
    probe(source)  # a database of this bot's
    with closing(_connect_read_only(source)) as src:
        problems = [row[0] for row in src.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise DatabaseOpenError(f"{source} failed integrity_check: {problems[0]}")
        if database.exists() and database.resolve() == source.resolve():
            raise DatabaseOpenError(f"{source} is the database itself: nothing to restore")
        lock = hold_database(database, "careerbot restore")
        assert lock is not None, "restoring into an in-memory database"
        try:
            with closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)) as dst:
                src.backup(dst)
                (pages,) = dst.execute("PRAGMA page_count").fetchone()
        except sqlite3.Error as exc:
            raise DatabaseOpenError(f"cannot restore {source} to {database}: {exc}") from None
        finally:
            lock.release()
    return Backup(database, int(pages), database.stat().st_size, time.monotonic() - started)

"""The process's single SQLite connection and a transaction discipline around it.

aiosqlite runs every statement on one worker thread, so serialising access costs
nothing; what it buys is that a coroutine's transaction is never interleaved with
another coroutine's statements. Every statement goes through `Database`, which
holds an asyncio lock; `transaction()` holds it for the whole unit of work.
The connection runs in autocommit mode (isolation_level=None): a statement outside
`transaction()` commits on its own.

A trip to that thread (a statement, a fetch, closing a cursor) costs more CPU than
the indexed statements the bot runs, in handing the GIL over and waking the event
loop, so the hot paths keep trips few: a fetch is one trip, a write whose count
nobody needs is one (`run`), and a write that must say whether it changed a row and
what the row is now uses `UPDATE ... RETURNING` through `fetchone`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]

BUSY_TIMEOUT_MS = 5000
MIN_SQLITE = (3, 35, 0)
"""The oldest SQLite the statements run on (RETURNING came in 3.35)."""

T = TypeVar("T")

_in_transaction: contextvars.ContextVar[Database | None] = contextvars.ContextVar(
    "careerbot_db_transaction", default=None
)


class Database:
    """A thin, serialised facade over one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        if _in_transaction.get() is self:
            yield  # this task already holds the lock inside transaction()
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        async with self._guard():
            cursor = await self._conn.execute(sql, params)
            rowcount = cursor.rowcount
            await cursor.close()
            return rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self._guard():
            await self._conn.executemany(sql, rows)

    async def run(self, sql: str, params: Params = ()) -> None:
        """Run one statement whose count of changed rows nobody needs: one trip to the
        connection's thread, where `execute` takes two (the statement, then closing its
        cursor)."""
        async with self._guard():
            await self._conn.execute_fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """The first row, or None. The statement, its rows and its cursor go in one trip
        to the connection's thread, so give a query of one row (or a LIMIT)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._guard():
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A unit of work: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

        Nested use inside the same task joins the outer transaction.
        """
        if _in_transaction.get() is self:
            yield self
            return
        async with self._lock:
            token = _in_transaction.set(self)
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                    await self._conn.commit()
                except BaseException:
                    # A COMMIT that failed (a deferred constraint, a full disk) leaves
                    # the transaction open: end it, or later statements would join it.
                    await self._conn.rollback()
                    raise
            finally:
                _in_transaction.reset(token)

    async def atomic(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` as one transaction in a single trip to the connection's thread.

        `work` gets the plain sqlite3 connection and runs its statements there, one
        after another, without awaiting anything: BEGIN IMMEDIATE comes before it,
        COMMIT after it, ROLLBACK if it or the COMMIT raises (the error is raised here).
        Inside `transaction()` it joins that transaction instead, which then commits
        or rolls back the lot. For the hot paths: the same transaction through
        `transaction()` takes a trip for BEGIN, each statement and COMMIT, and each
        trip costs more than the statements.

        Once handed to the thread, the work runs to its end: a caller cancelled
        meanwhile gets CancelledError, but what the work wrote is committed (or rolled
        back on its own error) all the same, and nothing else runs in between.
        """
        conn = self._conn
        if _in_transaction.get() is self:
            return await _on_thread(conn, lambda: work(conn._conn))

        def whole() -> T:
            raw = conn._conn
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
                raw.commit()
            except BaseException:
                raw.rollback()
                raise
            return result

        async with self._lock:
            return await _on_thread(conn, whole)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()


async def _on_thread(conn: aiosqlite.Connection, call: Callable[[], T]) -> T:
    """`call()` on aiosqlite's thread for `conn`, where its public methods run theirs.

    aiosqlite has no public way to run a function there; `_execute` is how each of
    its own methods does it (the pinned version's; tests/integration/test_database.py
    fails first if that changes).
    """
    result: T = await conn._execute(call)  # type: ignore[no-untyped-call]
    return result


class DatabaseOpenError(Exception):
    """The database file cannot be used; the message says which path and why, in one line."""


class RunLock:
    """The bot's claim on its database while it runs: an exclusive `flock` on the file
    `<database>.lock` beside it, holding the process id. One process writes the
    database at a time (the bot keeps some of it in memory, see `bot/db/changes.py`);
    the kernel drops the lock when the process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def take(self, refused: str) -> RunLock:
        """Take the lock, or raise DatabaseOpenError: `refused` and who holds it."""
        import fcntl  # POSIX; the bot runs on Linux (and macOS for development)

        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise DatabaseOpenError(f"{refused} (process {holder} holds {self.path})") from None
        except BaseException:
            file.close()
            raise
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return self

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops the lock
            self._file = None


def run_lock(db_path: Path | str) -> RunLock | None:
    """The lock of the database at `db_path`; None for an in-memory one."""
    if str(db_path) == ":memory:":
        return None
    return RunLock(Path(f"{db_path}.lock"))


def _check_path(db_path: Path) -> None:
    """Create the folders of `db_path`; refuse a path that cannot be a database file."""
    if str(db_path) in ("", ".") or db_path.is_dir():
        raise DatabaseOpenError(
            f"{str(db_path) or '(empty)'} is a folder: give a file path, such as "
            f"{db_path / 'bot.sqlite3'}"
        )
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        blocker = next(p for p in (db_path.parent, *db_path.parent.parents) if p.is_file())
        raise DatabaseOpenError(
            f"cannot create the folder for {db_path}: {blocker} is a file"
        ) from None
    except OSError as exc:
        raise DatabaseOpenError(
            f"cannot create the folder {db_path.parent}: {exc.strerror or exc}"
        ) from None


def _read_only_uri(db_path: Path) -> str:
    return f"{db_path.absolute().as_uri()}?mode=ro"


async def open_database(path: Path | str, *, read_only: bool = False) -> Database:
    """Open (creating folders as needed) the database with the pragmas we rely on.

    `read_only` opens a second connection to an existing database for long reads
    (statistics): under WAL it reads while the main connection writes.

    Raises :class:`DatabaseOpenError` with a one-line reason for a path that is a
    folder, lies below a file, or cannot be written.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise DatabaseOpenError(
            f"SQLite {sqlite3.sqlite_version} is too old: careerbot needs "
            f"{'.'.join(map(str, MIN_SQLITE))} or newer (UPDATE ... RETURNING); "
            "use a Python built with a newer SQLite"
        )
    db_path = Path(path)
    if str(path) != ":memory:" and not read_only:
        _check_path(db_path)
    try:
        if read_only:
            conn = await aiosqlite.connect(_read_only_uri(db_path), uri=True, isolation_level=None)
        else:
            conn = await aiosqlite.connect(db_path, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseOpenError(f"cannot open {db_path}: {exc}") from None
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        await conn.close()  # else its thread outlives the event loop
        raise DatabaseOpenError(f"cannot use {db_path} as a database: {exc}") from None
    log.debug("database opened at %s", db_path)
    return Database(conn, db_path)

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
import contextlib
import contextvars
import logging
import os
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

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


ONE_AT_A_TIME = "one process writes it at a time: stop that one, or wait for it to end"
"""What a command refused by `RunLock` is told to do, whichever command it is."""


class DatabaseInUse(DatabaseOpenError):
    """Another process holds the database's lock (see `RunLock`): the same command
    works once that process is done."""


class RunLock:
    """A process's claim on the database it writes: an exclusive `flock` on the file
    `<database>.lock` beside it, which says who holds it. One process writes the
    database at a time (the bot keeps some of it in memory, see `bot/db/changes.py`):
    `careerbot run`, or `migrate`, or `restore`. The kernel drops the lock when the
    process ends, however it ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def take(self, who: str) -> RunLock:
        """Take the lock as `who` (the command), or raise DatabaseInUse naming the
        holder and saying what to do (`ONE_AT_A_TIME`). DatabaseOpenError if the lock
        file cannot be used at all."""
        import fcntl  # POSIX; the bot runs on Linux (and macOS for development)

        flags = os.O_CLOEXEC | os.O_CREAT
        try:
            try:
                fd, writable = os.open(self.path, flags | os.O_RDWR, 0o644), True
            except PermissionError:  # made by another user: locking needs no writing
                fd, writable = os.open(self.path, os.O_CLOEXEC | os.O_RDONLY), False
        except OSError as exc:
            raise DatabaseOpenError(
                f"cannot open the lock file {self.path}: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            # Only a holder that could write the file named itself: the name is the
            # last one written, most likely the holder's.
            named = f", last taken by {holder}" if holder else ""
            raise DatabaseInUse(
                f"the database is in use (lock file {self.path}{named}): {ONE_AT_A_TIME}"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise DatabaseOpenError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        if writable:
            # Who holds it, for whoever is refused: a courtesy, so a full disk is no error.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(
                    fd, f"{who}, process {os.getpid()} on {socket.gethostname()}\n".encode(), 0
                )
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None


def hold_database(db_path: Path | str, who: str) -> RunLock | None:
    """For a process about to write the database at `db_path`, before it opens it: the
    database's folder made (as `open_database` would) and its lock taken as `who`.
    None for an in-memory database."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path)
    _check_path(path)
    return RunLock(lock_path(path)).take(who)


def lock_path(db_path: Path) -> Path:
    """The lock file of the database at `db_path` (wherever a link to it points)."""
    real = db_path.resolve()
    return real.with_name(f"{real.name}.lock")


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

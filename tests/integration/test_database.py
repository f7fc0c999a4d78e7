import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, open_database
from bot.db.database import DatabaseOpenError
from tests.support import Trips


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")

    async def failing_unit() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_unit()
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 0


async def test_transaction_commits_and_nests(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO t VALUES (1)")
        async with db.transaction() as inner:
            await inner.execute("INSERT INTO t VALUES (2)")
    assert await db.fetchval("SELECT SUM(x) FROM t") == 3


async def test_other_tasks_never_interleave_with_a_transaction(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    in_tx = asyncio.Event()

    async def failing_unit() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            in_tx.set()
            await asyncio.sleep(0.05)
            raise RuntimeError("roll back")

    async def outsider() -> None:
        await in_tx.wait()
        await db.execute("INSERT INTO t VALUES (100)")

    results = await asyncio.gather(failing_unit(), outsider(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    # The outsider's insert waited for the rollback and was not swept away by it.
    assert [row[0] for row in await db.fetchall("SELECT x FROM t")] == [100]


async def test_an_sqlite_too_old_for_returning_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    with pytest.raises(
        DatabaseOpenError, match=r"SQLite 3\.34\.1 is too old: .* 3\.35\.0 or newer"
    ):
        await open_database(tmp_path / "bot.sqlite3")
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_a_fetch_and_a_run_each_take_one_trip(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    trips = Trips(db, monkeypatch)
    await db.run("INSERT INTO t VALUES (1), (2)")
    assert trips.count == 1
    assert [tuple(r) for r in await db.fetchall("SELECT x FROM t ORDER BY x")] == [(1,), (2,)]
    assert trips.count == 2
    row = await db.fetchone("UPDATE t SET x = x + 10 WHERE x = 2 RETURNING x")
    assert row is not None
    assert row[0] == 12
    assert trips.count == 3
    assert await db.fetchone("SELECT x FROM t WHERE x = 99") is None
    assert trips.count == 4
    assert await db.execute("UPDATE t SET x = 0") == 2  # a count costs a second trip
    assert trips.count == 6


async def test_atomic_work_commits_in_one_trip_and_rolls_back_whole(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    trips = Trips(db, monkeypatch)

    def two_statements(conn: sqlite3.Connection) -> list[int]:
        conn.execute("INSERT INTO t VALUES (1)")
        return [row[0] for row in conn.execute("UPDATE t SET x = x + 1 RETURNING x")]

    assert await db.atomic(two_statements) == [2]
    assert trips.count == 1

    def fails_halfway(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (10)")
        raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await db.atomic(fails_halfway)
    assert trips.count == 2
    assert [row[0] for row in await db.fetchall("SELECT x FROM t")] == [2]
    assert not db.connection.in_transaction


async def test_atomic_work_inside_a_transaction_joins_it(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")

    def insert(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (5)")

    async def fails_after() -> None:
        async with db.transaction() as tx:
            await tx.atomic(insert)  # no COMMIT of its own: the outer rollback undoes it
            raise RuntimeError("after")

    with pytest.raises(RuntimeError, match="after"):
        await fails_after()
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 0
    async with db.transaction() as tx:
        await tx.atomic(insert)
    assert await db.fetchval("SELECT COUNT(*) FROM t") == 1


async def test_a_commit_that_fails_leaves_no_transaction_open(db: Database) -> None:
    """A deferred foreign key fails at COMMIT: the transaction is rolled back, not left
    open for the next statements to join."""
    await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    await db.execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)"
        " DEFERRABLE INITIALLY DEFERRED)"
    )

    async def orphan() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO child VALUES (1)")

    with pytest.raises(sqlite3.IntegrityError):
        await orphan()
    assert not db.connection.in_transaction

    def orphan_at_once(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO child VALUES (2)")

    with pytest.raises(sqlite3.IntegrityError):
        await db.atomic(orphan_at_once)
    assert not db.connection.in_transaction
    await db.execute("INSERT INTO parent VALUES (3)")
    assert await db.fetchval("SELECT COUNT(*) FROM child") == 0

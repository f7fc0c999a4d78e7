import asyncio
import shutil
from pathlib import Path

import pytest

from bot.db import Database, MigrationError, apply_migrations, open_database
from bot.db.migrations import MIGRATIONS_DIR, discover, split_statements


def copy_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    return folder


async def tables(db: Database) -> set[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
    return {row["name"] for row in rows}


async def test_applies_all_then_nothing(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "deep" / "er" / "db.sqlite3")
    try:
        first = await apply_migrations(db)
        assert [m.path.name for m in first] == [m.path.name for m in discover()]
        assert {"users", "fsm_states", "schema_migrations"} <= await tables(db)
        assert await apply_migrations(db) == []
        versions = await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [row[0] for row in versions] == [m.version for m in first]
    finally:
        await db.close()


async def test_pragmas(db: Database) -> None:
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA busy_timeout") > 0


async def test_broken_migration_leaves_database_as_it_was(tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path)
    db = await open_database(tmp_path / "db.sqlite3")
    try:
        await apply_migrations(db, folder)
        before = await tables(db)
        (folder / "9001_broken.sql").write_text(
            "CREATE TABLE half_done (id INTEGER);\n"
            "INSERT INTO half_done VALUES (1);\n"
            "ALTER TABLE no_such_table ADD COLUMN x TEXT;\n"
        )
        with pytest.raises(MigrationError) as caught:
            await apply_migrations(db, folder)
        assert "9001_broken.sql" in str(caught.value)
        assert "no such table: no_such_table" in str(caught.value)
        assert await tables(db) == before
        assert await db.fetchval("SELECT MAX(version) FROM schema_migrations") < 9001
    finally:
        await db.close()


async def test_migration_must_not_manage_transactions(tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path)
    (folder / "9002_tx.sql").write_text("BEGIN;\nCREATE TABLE t (x);\nCOMMIT;\n")
    db = await open_database(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(MigrationError, match=r"9002_tx\.sql: must not contain BEGIN"):
            await apply_migrations(db, folder)
    finally:
        await db.close()


def test_badly_named_file_is_refused(tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path)
    (folder / "2_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"2_oops\.sql: expected a name like"):
        discover(folder)


def test_duplicate_version_is_refused(tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path)
    (folder / "0001_again.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="version 1 is used by"):
        discover(folder)


def test_split_keeps_triggers_whole() -> None:
    sql = """
    -- a comment only
    CREATE TABLE a (x INTEGER);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = x + 1;
        DELETE FROM a WHERE x > 10;
    END;
    """
    statements = split_statements(sql)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER")
    assert statements[1].endswith("END;")


def test_split_refuses_unfinished_statement() -> None:
    with pytest.raises(ValueError, match="incomplete SQL statement"):
        split_statements("CREATE TABLE a (x INTEGER)")


async def test_triggers_and_case_end_are_accepted(tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path)
    (folder / "9003_trigger.sql").write_text(
        "CREATE TABLE audit (n INTEGER);\n"
        "CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN\n"
        "    INSERT INTO audit VALUES (CASE WHEN NEW.id > 0 THEN 1\n"
        "    ELSE 0\n"
        "    END);\n"
        "END;\n"
    )
    db = await open_database(tmp_path / "db.sqlite3")
    try:
        applied = await apply_migrations(db, folder)
        assert applied[-1].path.name == "9003_trigger.sql"
        assert "audit" in await tables(db)
    finally:
        await db.close()


async def test_two_processes_migrating_at_once_apply_each_file_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = await open_database(path), await open_database(path)
    try:
        results = await asyncio.gather(apply_migrations(first), apply_migrations(second))
        names = sorted(m.path.name for result in results for m in result)
        assert names == sorted(m.path.name for m in discover())
        count = await first.fetchval("SELECT COUNT(*) FROM schema_migrations")
        assert count == len(discover())
    finally:
        await first.close()
        await second.close()

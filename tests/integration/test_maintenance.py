"""`careerbot health` in polling mode and `careerbot backup`'s edges, on real SQLite files."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.db import Database, DatabaseOpenError
from bot.db.database import hold_database
from bot.db.maintenance import backup, backup_name, probe


@pytest.fixture(autouse=True)
def _own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env is read


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_health_in_polling_mode_opens_and_reads_the_database(
    db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    code, out, _ = run(capsys, "health")
    assert code == 0
    assert out.startswith(f"ok: database {db.path} answers (")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "does not exist"),
        (b"not a database, only some text" * 100, "file is not a database"),
        (b"", "no such table: schema_migrations"),
    ],
    ids=["missing", "garbage", "not-ours"],
)
def test_health_fails_with_one_line_when_the_database_does_not_answer(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / "bot.sqlite3"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    code, out, _ = run(capsys, "health")
    assert code == 1
    assert out.startswith("unhealthy: database: ")
    assert reason in out
    assert len(out.splitlines()) == 1


def test_health_in_webhook_mode_asks_the_bot_and_says_when_nobody_answers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "x" * 32)
    monkeypatch.setenv("WEBHOOK_PORT", "9")  # discard: nothing listens
    code, out, _ = run(capsys, "health")
    assert code == 1
    assert out.startswith("unhealthy: nothing answers at http://127.0.0.1:9/healthz")


async def test_backup_into_a_folder_names_the_file_after_the_time(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    backup(db.path, folder / "first.sqlite3")  # made with its folder
    (folder / "first.sqlite3").unlink()
    when = datetime(2026, 11, 26, 3, 0, 5, tzinfo=UTC)
    done = backup(db.path, folder, now=when)
    assert done.path == folder / "test-20261126-030005.sqlite3"
    assert done.path.name == backup_name(db.path, when)
    assert probe(done.path) == probe(db.path) > 0
    assert sorted(p.name for p in folder.iterdir()) == [done.path.name]
    assert done.path.stat().st_mode & 0o777 == 0o600  # students' data: the owner only
    assert folder.stat().st_mode & 0o777 == 0o700


async def test_a_backup_replaces_the_old_one_only_when_whole(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"yesterday's backup")
    await db.execute("CREATE TABLE marker (x INTEGER)")
    backup(db.path, target)
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("SELECT COUNT(*) FROM marker").fetchone() == (0,)
    assert not list(tmp_path.glob(".copy.sqlite3.partial"))


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{db}", "is the database itself"),
        ("{tmp}/a_file/copy.sqlite3", "cannot create the folder"),
    ],
)
async def test_a_backup_that_cannot_be_made_says_why(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    reason: str,
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    (tmp_path / "a_file").write_text("not a folder")
    code, out, err = run(capsys, "backup", target.format(db=db.path, tmp=tmp_path))
    assert code == 1
    assert out == ""
    assert err.startswith("Backup failed: ")
    assert reason in err


async def test_a_folder_that_does_not_exist_yet_is_made_when_named_with_a_slash(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    code, _, err = run(capsys, "backup", f"{tmp_path}/nightly/")
    assert code == 0, err
    (made,) = (tmp_path / "nightly").iterdir()
    assert re.fullmatch(r"test-\d{8}-\d{6}\.sqlite3", made.name)
    assert probe(made) > 0


def test_a_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatabaseOpenError, match="does not exist"):
        backup(tmp_path / "none.sqlite3", tmp_path / "copy.sqlite3")


async def test_restore_puts_the_backup_back_and_leaves_it_as_it_was(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await db.execute("CREATE TABLE marker (x INTEGER)")
    await db.execute("INSERT INTO marker VALUES (1)")
    copy = backup(db.path, tmp_path / "copy.sqlite3").path
    saved = copy.read_bytes()
    await db.execute("INSERT INTO marker VALUES (2)")  # written after the backup: in the WAL
    await db.execute("DROP TABLE schema_migrations")
    await db.close()  # the bot is stopped

    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    code, out, err = run(capsys, "restore", str(copy))
    assert code == 0, err
    assert out.startswith(f"{copy} -> {db.path}: ")
    with closing(sqlite3.connect(db.path)) as restored:
        assert restored.execute("SELECT x FROM marker").fetchall() == [(1,)]
        assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert probe(db.path) > 0
    assert copy.read_bytes() == saved


async def test_restore_refuses_while_the_bot_runs(
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = backup(db.path, tmp_path / "copy.sqlite3").path
    await db.execute("CREATE TABLE marker (x INTEGER)")
    running = hold_database(db.path, "careerbot run")  # as the bot holds it
    assert running is not None
    monkeypatch.setenv("DATABASE_PATH", str(db.path))
    code, _, err = run(capsys, "restore", str(copy))
    assert code == 75  # try again later, unlike a bad setting
    holder = f"careerbot run, process {os.getpid()} on {socket.gethostname()}"
    assert err == (
        f"Restore failed: the database is in use (lock file {db.path}.lock, last taken by"
        f" {holder}): one process writes it at a time: stop that one, or wait for it to end\n"
    )
    assert await db.fetchval("SELECT COUNT(*) FROM marker") == 0  # nothing was copied over

    running.release()
    await db.close()
    code, _, err = run(capsys, "restore", str(copy))
    assert code == 0, err


def test_restore_refuses_what_is_not_a_backup_of_this_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    (tmp_path / "notes.txt").write_text("not a database" * 100)
    code, _, err = run(capsys, "restore", str(tmp_path / "notes.txt"))
    assert code == 1
    assert err.startswith("Restore failed: cannot read ")
    assert not (tmp_path / "bot.sqlite3").exists()

"""One process writes a database at a time: the lock file beside it, who holds it, and
what becomes of it when things go wrong."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app
from bot.content import ContentError
from bot.db import DatabaseOpenError
from bot.db.database import ONE_AT_A_TIME, DatabaseInUse, RunLock, hold_database, lock_path
from tests.support import make_settings


def test_the_lock_says_who_holds_it_and_goes_when_released(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "bot.sqlite3"  # its folder is made, as for the database
    first = hold_database(db_path, "careerbot run")
    assert first is not None
    lock_file = tmp_path / "data" / "bot.sqlite3.lock"
    holder = f"careerbot run, process {os.getpid()} on {socket.gethostname()}"
    assert lock_file.read_text() == holder + "\n"
    with pytest.raises(DatabaseInUse) as refused:
        hold_database(db_path, "careerbot migrate")
    assert str(refused.value) == (
        f"the database is in use (lock file {lock_file}, last taken by {holder}): {ONE_AT_A_TIME}"
    )
    first.release()
    first.release()  # twice is harmless
    again = hold_database(db_path, "careerbot migrate")
    assert again is not None
    assert lock_file.read_text().startswith("careerbot migrate, process ")
    again.release()


def test_a_link_to_the_database_shares_its_lock(tmp_path: Path) -> None:
    real = tmp_path / "bot.sqlite3"
    real.touch()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(real)
    assert lock_path(link) == lock_path(real) == tmp_path / "bot.sqlite3.lock"
    held = hold_database(real, "careerbot run")
    assert held is not None
    with pytest.raises(DatabaseInUse):
        hold_database(link, "careerbot run")
    held.release()


def test_a_lock_file_of_another_user_is_locked_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made by root (a restore run without `runuser`), the file cannot be written by the
    bot's user; locking it needs no writing. The file keeps naming whoever wrote it
    last, which is why a refusal says "last taken by"."""
    lock_file = tmp_path / "bot.sqlite3.lock"
    lock_file.write_text("careerbot restore, process 1 on old-host\n")
    opened = os.open

    def as_another_user(path: Any, flags: int, *args: Any) -> int:
        if Path(path) == lock_file and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied")
        return opened(path, flags, *args)

    monkeypatch.setattr(os, "open", as_another_user)
    held = RunLock(lock_file).take("careerbot run")
    with pytest.raises(DatabaseInUse, match="last taken by careerbot restore, process 1 on old"):
        RunLock(lock_file).take("careerbot run")  # what was there stays there
    held.release()


def test_a_lock_file_that_cannot_be_opened_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3.lock").mkdir()
    with pytest.raises(DatabaseOpenError, match=r"^cannot open the lock file .*bot\.sqlite3\.lock"):
        hold_database(tmp_path / "bot.sqlite3", "careerbot run")


def test_memory_databases_have_no_lock() -> None:
    assert hold_database(":memory:", "careerbot run") is None


async def test_a_bot_that_fails_to_start_lets_the_database_go(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()  # no quiz in it
    settings = make_settings(tmp_path, content_dir=tmp_path / "content")
    with pytest.raises(ContentError):
        await build_app(settings)
    held = hold_database(settings.database_path, "careerbot migrate")
    assert held is not None
    held.release()

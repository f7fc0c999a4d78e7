"""`careerbot backup` while the bot runs and writes: the copy is whole, and a bot started
on it knows the students it knew."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from bot.domain import SeenUser
from bot.emulator import Emulator, Student
from tests.e2e.conftest import RunningBot, subprocess_env
from tests.e2e.quiz_walk import is_result, next_screen, walk, with_track
from tests.support import text_of

LOAD_IDS = range(500_000, 600_000)


async def finish_the_quiz(student: Student) -> None:
    await student.send("/start")
    await student.expect_message()
    await student.press("Пройти тест")
    await student.expect_message()
    result, _ = await walk(student, await next_screen(student), with_track("tech"))
    assert is_result(result)


async def test_a_backup_under_write_load_is_whole_and_serves_the_same_students(
    emu: Emulator, running: RunningBot, student: Student, tmp_path: Path
) -> None:
    app = running.app
    assert app is not None
    await finish_the_quiz(student)

    written = 0
    stop = asyncio.Event()

    privacy = app.services.privacy

    async def load() -> None:  # new students agreeing, one after another, as fast as it goes
        nonlocal written
        for user_id in LOAD_IDS:
            if stop.is_set():
                return
            seen = SeenUser(id=user_id, first_name="Load")
            assert await privacy.agree(seen, privacy.version, "ru", None) is not None
            written += 1

    writer = asyncio.create_task(load())
    await asyncio.sleep(0.3)
    before = written
    copy = tmp_path / "backups" / "copy.sqlite3"
    copy.parent.mkdir()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(copy),
        cwd=tmp_path,
        env=subprocess_env(DATABASE_PATH=str(tmp_path / "bot.sqlite3")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    after = written
    stop.set()
    await writer
    assert proc.returncode == 0, err.decode()
    assert f"-> {copy}: " in out.decode()
    assert "integrity ok" in out.decode()
    assert after > before  # the bot kept writing while the copy was taken

    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.sqlite3"]  # one file
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        (copied,) = db.execute("SELECT COUNT(*) FROM users WHERE id >= 500000").fetchone()
    assert 0 < copied <= written  # a moment of the load, neither nothing nor more than was

    await running.stop()
    elsewhere = RunningBot(emu, tmp_path / "restored", overrides={"database_path": copy})
    (tmp_path / "restored").mkdir()
    await elsewhere.start()
    try:
        await student.send("/start")
        assert text_of(await student.expect_message()).startswith("С возвращением, Аня!")
        await student.send("/results")
        assert "Ваши результаты" in text_of(await student.expect_message())
    finally:
        await elsewhere.stop()

"""Start-up, restart and shutdown of the real bot."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import build_app
from bot.db.database import DatabaseInUse
from bot.db.migrations import discover
from bot.db.users import UsersRepo
from bot.emulator import DEFAULT_TOKEN, Emulator, Fault, Student
from tests.e2e.conftest import (
    WEBHOOK,
    WEBHOOK_SECRET,
    BotProcess,
    RunningBot,
    agree,
    both_transports,
    subprocess_env,
)
from tests.support import TEST_TOKEN, make_settings, text_of

SECRET = TEST_TOKEN.split(":", 1)[1]


@both_transports
async def test_restart_keeps_users_and_sources(
    emu: Emulator, running: RunningBot, student: Student
) -> None:
    await student.send("/start centre_1")
    await student.expect_message()

    app = await running.restart()

    user = await UsersRepo(app.db).get(student.user_id)
    assert user is not None
    assert user.source == "centre_1"
    await student.send("/start")
    assert text_of(await student.expect_message()).startswith("С возвращением")


async def test_one_bot_at_a_time_on_a_database(running: RunningBot) -> None:
    """A second bot on the same database is refused before it opens it: the first keeps
    some of it in memory and must be the only one writing it."""
    assert running.app is not None
    settings = running.app.settings
    with pytest.raises(DatabaseInUse, match=r"last taken by careerbot run, process .*: stop that"):
        await build_app(settings)
    await running.stop()
    app = await build_app(settings)  # the lock went with the first bot
    await app.close()


async def test_a_second_bot_process_on_the_same_database_stops_at_once(
    emu: Emulator, bot_process: Callable[..., BotProcess]
) -> None:
    first = bot_process()
    await first.start()
    second = bot_process()
    await second.spawn()
    assert await second.wait() == 75
    assert f"last taken by careerbot run, process {first.pid} on " in second.text
    migrate = bot_process()
    await migrate.spawn("migrate")
    assert await migrate.wait() == 75
    last = migrate.text.strip().splitlines()[-1]  # after the DEBUG lines of the test's env
    assert last.startswith("the database is in use (lock file ")
    assert f"last taken by careerbot run, process {first.pid} on " in last
    # The first one goes on.
    student = Student(emu, user_id=3020, first_name="Ира", language_code="ru")
    await student.send("/start")
    assert "персональные данные" in text_of(await student.expect_message())


async def test_scheduler_runs_with_the_app(running: RunningBot) -> None:
    assert running.app is not None
    scheduler = running.app.scheduler
    assert scheduler.running
    await running.stop()
    assert not scheduler.running


@both_transports
async def test_sigterm_stops_gracefully_and_never_logs_the_token(
    emu: Emulator, bot_process: Callable[..., BotProcess]
) -> None:
    process = bot_process()
    await process.start()
    student = Student(emu, user_id=3001, first_name="Лена", username="lena_k", language_code="ru")
    assert text_of(await agree(student)).startswith("Привет, Лена!")
    await student.send("Мой секретный вопрос про зарплату")
    await student.expect_message()

    code = await process.signal(signal.SIGTERM)

    assert code == 0, process.text
    assert "bot stopped" in process.text
    assert "Traceback" not in process.text
    assert SECRET not in process.text
    assert WEBHOOK_SECRET not in process.text
    # Even at DEBUG the log names nobody and quotes nothing a student wrote.
    assert "user 3001 agreed" in process.text
    for personal in ("Лена", "lena_k", "секретный"):
        assert personal not in process.text


async def start_then_slow_reply(
    process: BotProcess, emu: Emulator, student: Student, delay: float
) -> Student:
    """Start the bot; the student sends /start; return once the bot's reply is under way
    (held `delay` seconds at the emulator), so the update is in flight."""
    await process.start()
    emu.add_fault(Fault(kind="latency", delay=delay, methods=["sendMessage"], times=1))
    await student.send("/start")
    await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), description="reply begun")
    return student


@both_transports
async def test_an_update_in_flight_at_sigterm_is_finished_first(
    emu: Emulator, bot_process: Callable[..., BotProcess], transport: str
) -> None:
    process = bot_process()
    student = await start_then_slow_reply(process, emu, Student(emu, 3003, first_name="Ира"), 1.5)

    process.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    assert "персональные данные" in text_of(await student.expect_message())  # the notice
    assert await process.wait() == 0, process.text
    assert "bot stopped" in process.text
    if transport == WEBHOOK:  # answered once handled: Telegram will not send it again
        assert [d.status for d in emu.deliveries] == [200]
        assert emu.pending_updates == []


@both_transports
async def test_kill_and_restart_loses_nothing(
    emu: Emulator, bot_process: Callable[..., BotProcess]
) -> None:
    first = bot_process()
    await first.start()
    student = Student(emu, user_id=3002, first_name="Олег", language_code="ru")
    await agree(student, "centre_k")
    await first.kill()

    second = bot_process()
    await second.start()
    await student.send("/start")
    assert text_of(await student.expect_message()).startswith("С возвращением, Олег!")


async def test_bad_setting_gives_one_clear_line(tmp_path: Path) -> None:
    env = subprocess_env(BOT_TOKEN="12345:short", TELEGRAM_API_URL="http://127.0.0.1:9")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2
    assert out == b""
    assert lines == [
        "Configuration error: BOT_TOKEN is invalid; expected the token from @BotFather,"
        " like 123456789:AAE... (digits, a colon, 20+ chars)."
    ]
    assert "short" not in err.decode()


async def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=subprocess_env(),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert err.decode().startswith("Configuration error: BOT_TOKEN is not set;")
    assert len(err.decode().strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{tmp}", "is a folder"),
        ("", "is a folder"),
        ("{tmp}/a_file/db.sqlite3", "a_file is a file"),
        ("{tmp}/a_folder", "is a folder"),
        ("/proc/careerbot/db.sqlite3", "cannot create the folder /proc/careerbot"),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "run"])
async def test_a_bad_database_path_gives_one_clear_line(
    tmp_path: Path, command: str, value: str, reason: str
) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "a_folder").mkdir()
    env = subprocess_env(
        DATABASE_PATH=value.format(tmp=tmp_path),
        BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:9",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        command,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 2, err.decode()
    assert len(lines) == 1, lines
    assert lines[0].startswith("DATABASE_PATH: ")
    assert reason in lines[0]


async def test_migrate_command_applies_and_reports(tmp_path: Path) -> None:
    db_path = tmp_path / "nested" / "db.sqlite3"
    env = subprocess_env(DATABASE_PATH=str(db_path))
    names = ", ".join(m.path.name for m in discover())
    expectations = (
        f"applied {len(discover())} migration(s): {names}",
        "applied 0 migration(s): none",
    )
    for expected in expectations:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "migrate",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0
        assert expected in out.decode()
    assert db_path.exists()


async def test_a_token_telegram_refuses_gives_one_clear_line(
    bot_process: Callable[..., BotProcess],
) -> None:
    secret = "SECRET-refused-token-part-xyz"
    process = bot_process(BOT_TOKEN=f"999:{secret}")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(process.start(), 1)  # it never polls
    code = await process.wait()
    assert code == 2
    assert "Telegram refused BOT_TOKEN (401 Unauthorized)" in process.text
    assert "Traceback" not in process.text
    assert secret not in process.text


def test_the_emulators_default_token_is_a_valid_setting(tmp_path: Path) -> None:
    """README: `careerbot run` works against `python -m bot.emulator` as it starts."""
    settings = make_settings(tmp_path, bot_token=DEFAULT_TOKEN)
    assert settings.bot_token.get_secret_value() == DEFAULT_TOKEN


@pytest.mark.parametrize("transport", [WEBHOOK])
async def test_an_update_cut_short_by_a_kill_comes_again_through_the_webhook(
    emu: Emulator, bot_process: Callable[..., BotProcess]
) -> None:
    """A webhook request is answered only once its update is handled: killed half-way,
    the update is not acknowledged, and Telegram sends it again to the restarted bot."""
    first = bot_process()
    student = await start_then_slow_reply(first, emu, Student(emu, 3010, first_name="Ян"), 5)
    await first.kill()
    assert len(emu.pending_updates) == 1

    second = bot_process()
    await second.start()
    reply = await student.expect_message(timeout=15)
    assert "персональные данные" in text_of(reply)  # the notice, the answer to that /start
    await emu.wait_until(lambda: not emu.pending_updates, description="acknowledged")
    await student.expect_no_message(within=0.5)

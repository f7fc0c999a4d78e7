"""End-to-end fixtures: the emulator on a free local port and the real bot polling it,
either in this process (fast) or as a `careerbot run` subprocess (for signals, kills
and start-up errors)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.clock import Clock
from bot.emulator import Emulator, Student
from tests.support import TEST_TOKEN, make_settings

READY_TIMEOUT = 30.0  # generous: CI machines are shared and a cold start can be slow


async def wait_polling(emu: Emulator, since: int = 0) -> None:
    """Until the bot has asked for updates (it is then fully started)."""
    async with asyncio.timeout(READY_TIMEOUT):
        while not any(method == "getUpdates" for method, _ in emu.calls[since:]):
            await asyncio.sleep(0.02)


@dataclass
class RunningBot:
    """The real application, polling the emulator from this process."""

    emu: Emulator
    tmp_path: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    clock: Clock | None = None
    option_seeds: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    """Each new attempt's order of options: 1, 2, 3... so that a walk of the same answers
    is the same on every run (a chance order could make it look careless)."""
    app: App | None = None
    task: asyncio.Task[None] | None = None

    async def start(self) -> App:
        since = len(self.emu.calls)
        settings = make_settings(
            self.tmp_path, telegram_api_url=self.emu.base_url, **self.overrides
        )
        self.app = await build_app(settings, clock=self.clock, option_seeds=self.option_seeds)
        self.task = asyncio.create_task(self.app.run_polling(handle_signals=False))
        await wait_polling(self.emu, since)
        return self.app

    async def stop(self) -> None:
        if self.app is not None and self.task is not None:
            await self.app.stop()
            await asyncio.wait_for(self.task, 15)
        self.app = None
        self.task = None

    async def restart(self) -> App:
        await self.stop()
        return await self.start()


@dataclass
class BotProcess:
    """`python -m bot run` in a subprocess, with its own environment and working folder."""

    env: dict[str, str]
    cwd: Path
    emu: Emulator
    proc: asyncio.subprocess.Process | None = None
    output: bytes = b""
    reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Spawn `careerbot run` and wait until it polls the emulator."""
        since = len(self.emu.calls)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # Read the output as it comes: a full pipe would block the bot's logging.
        self.reader = asyncio.create_task(self._read(self.proc))
        await wait_polling(self.emu, since)

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(65536):
            self.output += chunk

    async def wait(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        await asyncio.wait_for(self.proc.wait(), timeout)
        if self.reader is not None:
            await asyncio.wait_for(self.reader, timeout)
        assert self.proc.returncode is not None
        return self.proc.returncode

    async def signal(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await self.wait()

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.wait()

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(token=TEST_TOKEN, bot_username="careerbot_test_bot")
    await emulator.start(host="127.0.0.1", port=0)
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def running(emu: Emulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def student(emu: Emulator, running: RunningBot) -> Student:
    return Student(emu, user_id=1001, first_name="Аня", language_code="ru")


@pytest.fixture
def make_student(emu: Emulator, running: RunningBot) -> Callable[..., Student]:
    def make(user_id: int, first_name: str = "Student", language_code: str = "ru") -> Student:
        return Student(emu, user_id=user_id, first_name=first_name, language_code=language_code)

    return make


def subprocess_env(**values: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(values)
    return env


@pytest.fixture
async def bot_process(emu: Emulator, tmp_path: Path) -> AsyncIterator[Callable[..., BotProcess]]:
    started: list[BotProcess] = []

    def make(**extra: str) -> BotProcess:
        values = {
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        }
        env = subprocess_env(**{**values, **extra})
        process = BotProcess(env=env, cwd=tmp_path, emu=emu)
        started.append(process)
        return process

    yield make
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            await process.kill()


__all__ = ["BotProcess", "RunningBot", "signal", "wait_polling"]

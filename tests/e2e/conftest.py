"""End-to-end fixtures: the emulator on a free local port and the real bot polling it,
either in this process (fast) or as a `careerbot run` subprocess (for signals, kills
and start-up errors).

The bot gets its updates by long polling unless a test asks for the webhook: the
`transport` fixture says which, and `@both_transports` runs a test once in each mode (the
emulator then pushes updates to the bot's webhook server, with the secret token)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.clock import Clock
from bot.emulator import Emulator, EmuMessage, Student
from tests.support import TEST_TOKEN, make_settings, text_of

READY_TIMEOUT = 30.0  # generous: CI machines are shared and a cold start can be slow
POLLING, WEBHOOK = "polling", "webhook"
WEBHOOK_SECRET = "e2e-webhook-secret_0123456789abcdef"
both_transports = pytest.mark.parametrize("transport", [POLLING, WEBHOOK])
"""Run a test with the bot polling, then with the emulator pushing to its webhook."""


async def wait_polling(emu: Emulator, since: int = 0, transport: str = POLLING) -> None:
    """Until the bot asks for updates, or has set its webhook (it is then fully started)."""
    ready = "getUpdates" if transport == POLLING else "setWebhook"
    async with asyncio.timeout(READY_TIMEOUT):
        while not any(method == ready for method, _ in emu.calls[since:]):
            await asyncio.sleep(0.02)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(transport: str) -> dict[str, str]:
    """The settings (variable names in lower case) of one transport: none for polling;
    a free local port, a path and the secret for a webhook."""
    if transport == POLLING:
        return {}
    port = free_port()
    return {
        "webhook_url": f"http://127.0.0.1:{port}/telegram/updates",
        "webhook_host": "127.0.0.1",
        "webhook_port": str(port),
        "webhook_secret": WEBHOOK_SECRET,
    }


@pytest.fixture
def transport() -> str:
    """How the bot gets updates; `@both_transports` parametrizes it."""
    return POLLING


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
    transport: str = POLLING

    def __post_init__(self) -> None:
        # One address for the life of the fixture: a restarted bot serves the same URL.
        self.overrides = {**webhook_settings(self.transport), **self.overrides}

    async def start(self) -> App:
        since = len(self.emu.calls)
        settings = make_settings(
            self.tmp_path, telegram_api_url=self.emu.base_url, **self.overrides
        )
        self.app = await build_app(settings, clock=self.clock, option_seeds=self.option_seeds)
        self.task = asyncio.create_task(self.app.run(handle_signals=False))
        await wait_polling(self.emu, since, self.transport)
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

    async def __aenter__(self) -> App:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@dataclass
class BotProcess:
    """`python -m bot run` in a subprocess, with its own environment and working folder."""

    env: dict[str, str]
    cwd: Path
    emu: Emulator
    transport: str = POLLING
    proc: asyncio.subprocess.Process | None = None
    output: bytes = b""
    reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Spawn `careerbot run` and wait until it polls the emulator."""
        since = len(self.emu.calls)
        await self.spawn()
        await wait_polling(self.emu, since, self.transport)

    async def spawn(self, command: str = "run") -> None:
        """Spawn `careerbot <command>` (output and errors read together) and return at once."""
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        # Read the output as it comes: a full pipe would block the bot's logging.
        self.reader = asyncio.create_task(self._read(self.proc))

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

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
async def running(emu: Emulator, tmp_path: Path, transport: str) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path, transport=transport)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


AGREE = {"ru": "✅ Согласен", "en": "✅ I agree"}
"""The consent button of the personal data notice, by the student's language."""


async def agree(student: Student, payload: str | None = None) -> EmuMessage:
    """The one way a test's student gives consent, as a person does: /start (with a
    deep link's `payload`), the personal data notice, **Agree**. Returns the greeting
    that follows (the quiz button under it)."""
    await student.send("/start" if payload is None else f"/start {payload}")
    notice = await student.expect_message()
    language = "en" if str(student.profile["language_code"]).startswith("en") else "ru"
    assert ("personal data" if language == "en" else "персональные данные") in text_of(notice)
    await student.press(AGREE[language], message=notice)
    return await student.expect_message()


@pytest.fixture
def newcomer(emu: Emulator, running: RunningBot) -> Student:
    """A student who has not agreed to the personal data notice yet."""
    return Student(emu, user_id=1001, first_name="Аня", language_code="ru")


@pytest.fixture
async def student(newcomer: Student) -> Student:
    """The same student, once they agreed (their chat then shows the greeting)."""
    await agree(newcomer)
    return newcomer


MakeStudent = Callable[..., Awaitable[Student]]


@pytest.fixture
def make_student(emu: Emulator, running: RunningBot) -> MakeStudent:
    """`await make_student(id, name, language)`: another student, who agreed unless
    `agreed=False`."""

    async def make(
        user_id: int,
        first_name: str = "Student",
        language_code: str = "ru",
        *,
        agreed: bool = True,
    ) -> Student:
        made = Student(emu, user_id=user_id, first_name=first_name, language_code=language_code)
        if agreed:
            await agree(made)
        return made

    return make


def subprocess_env(**values: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(values)
    return env


@pytest.fixture
async def bot_process(
    emu: Emulator, tmp_path: Path, transport: str
) -> AsyncIterator[Callable[..., BotProcess]]:
    started: list[BotProcess] = []
    webhook = {name.upper(): value for name, value in webhook_settings(transport).items()}

    def make(**extra: str) -> BotProcess:
        values = {
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "LOG_LEVEL": "DEBUG",
            **webhook,
        }
        env = subprocess_env(**{**values, **extra})
        process = BotProcess(env=env, cwd=tmp_path, emu=emu, transport=transport)
        started.append(process)
        return process

    yield make
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            await process.kill()


__all__ = [
    "BotProcess",
    "MakeStudent",
    "RunningBot",
    "agree",
    "both_transports",
    "signal",
    "wait_polling",
]

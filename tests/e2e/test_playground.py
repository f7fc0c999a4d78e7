"""`careerbot playground` as a person uses it: type, read, leave."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.emulator import ChatEvent, EmuMessage, InlineButton
from bot.playground import pick_button, render, run_playground
from tests.e2e.conftest import subprocess_env


async def read_until(stream: asyncio.StreamReader, marker: str, timeout: float = 20) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while marker not in seen:
            chunk = await stream.read(4096)
            if not chunk:
                break
            seen += chunk.decode("utf-8", "replace")
    return seen


async def spawn_playground(tmp_path: Path, database: Path) -> asyncio.subprocess.Process:
    """`careerbot playground` as a person starts it, with pipes for its terminal."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "playground",
        "--database",
        str(database),
        "--name",
        "Ира",
        cwd=tmp_path,
        env=subprocess_env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_chat_in_the_terminal(tmp_path: Path) -> None:
    database = tmp_path / "play.sqlite3"
    proc = await spawn_playground(tmp_path, database)
    assert proc.stdin is not None
    assert proc.stdout is not None
    banner = await read_until(proc.stdout, "Playground:")
    assert "Playground:" in banner
    proc.stdin.write(b"/start\n")
    await proc.stdin.drain()
    notice = await read_until(proc.stdout, "Согласен")
    assert "персональные данные" in notice
    assert notice.count("── bot ──") == 1, "only the bot's messages are echoed"
    proc.stdin.write(b"1\n")
    await proc.stdin.drain()
    greeting = await read_until(proc.stdout, "/help")
    assert "Привет, Ира!" in greeting
    proc.stdin.write(b"/quit\n")
    await proc.stdin.drain()
    rest, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, rest.decode()
    assert "Traceback" not in rest.decode()
    assert database.exists()


def keyboard_message() -> EmuMessage:
    return EmuMessage(
        message_id=7,
        chat_id=1,
        from_bot=True,
        sender={},
        chat={},
        date=0,
        text="Вопрос",
        reply_markup={
            "inline_keyboard": [
                [
                    {"text": "Да", "callback_data": "q:1:a"},
                    {"text": "Нет", "callback_data": "q:1:b"},
                ],
                [{"text": "Сайт", "url": "https://example.org"}],
            ]
        },
    )


def test_buttons_are_numbered_and_pressed_by_number_or_text() -> None:
    message = keyboard_message()
    shown = render(ChatEvent("new", message))
    assert "[1] Да" in shown
    assert "[2] Нет" in shown
    assert "[3] Сайт" in shown
    second = pick_button(message, "2")
    assert second is not None
    assert second.callback_data == "q:1:b"
    by_text = pick_button(message, "да")
    assert by_text is not None
    assert by_text.callback_data == "q:1:a"
    link = pick_button(message, "3")
    assert link is not None
    assert link.url == "https://example.org"
    assert pick_button(message, "9") is None
    assert pick_button(None, "1") is None
    assert isinstance(message.buttons[0][0], InlineButton)


# --- scripts and people typing ahead ------------------------------------------------------


async def test_piped_input_is_answered_before_leaving(tmp_path: Path) -> None:
    proc = await spawn_playground(tmp_path, tmp_path / "play.sqlite3")
    out, _ = await asyncio.wait_for(proc.communicate(b"/start\n1\n1\n"), 60)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    agreed = text.index("(pressed [1] ✅ Согласен on #2)")
    greeting = text.index("Привет, Ира!")
    pressed = text.index("(pressed [1] Пройти тест on #3)")
    intro = text.index("Подходит ли вам работа в службе поддержки?")
    assert agreed < greeting < pressed < intro, "each line waits for the answer to the one before"
    assert re.search(r"\[1\] Начнём ▶\s+\[2\] ⏸ Пауза", text), text


# --- in this process: standard input is a pipe the test types into ------------------------

FAST_TIPS = {"TIPS_FIRST_DELAY": "0", "TIPS_TICK": "PT0.2S", "TIPS_WINDOW": "0-24"}


class Typing:
    """`run_playground` on this event loop, its standard input a pipe and its output kept."""

    def __init__(self, task: asyncio.Task[int], stdin: int, out: io.StringIO) -> None:
        self.task = task
        self.stdin: int | None = stdin
        self.out = out
        self.cursor = 0  # what `until` has already matched

    @property
    def text(self) -> str:
        return self.out.getvalue()

    def type(self, line: str) -> None:
        assert self.stdin is not None
        os.write(self.stdin, line.encode() + b"\n")

    async def until(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Wait until `pattern` (a regex) is printed after what was matched before."""
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := regex.search(self.text, self.cursor)) is None:
            if self.task.done() or loop.time() > deadline:
                raise AssertionError(f"no {pattern!r} in:\n{self.text[self.cursor :]}")
            await asyncio.sleep(0.02)
        self.cursor = found.end()
        return found

    def close_input(self) -> None:
        if self.stdin is not None:
            os.close(self.stdin)
            self.stdin = None

    async def leave(self) -> str:
        """Ctrl-D: end the input and wait for the playground to finish."""
        self.close_input()
        assert await asyncio.wait_for(self.task, 60) == 0
        return self.text


@pytest.fixture
async def typing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[], Awaitable[Typing]]]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.chdir(tmp_path)
    for name, value in FAST_TIPS.items():
        monkeypatch.setenv(name, value)
    started: list[Typing] = []

    async def start() -> Typing:
        read, write = os.pipe()
        monkeypatch.setattr(sys, "stdin", os.fdopen(read, "r", encoding="utf-8"))
        out = io.StringIO()
        task = asyncio.create_task(
            run_playground(
                database=tmp_path / "play.sqlite3",
                user_id=1001,
                first_name="Ира",
                language_code="ru",
                out=out,
            )
        )
        session = Typing(task, write, out)
        started.append(session)
        await session.until("Playground:")
        # The person agrees to the personal data notice first, as every student does.
        session.type("/start")
        await session.until(r"\[1\] ✅ Согласен")
        session.type("1")
        await session.until(r"Привет, Ира!(?:.*\n)*?.*\[1\] Пройти тест")
        return session

    yield start
    for session in started:  # after a failure: Ctrl-D, and cancel what does not end soon
        session.close_input()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(session.task, 5)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


async def test_button_pop_ups_and_alerts_are_shown(typing: Callable[[], Awaitable[Typing]]) -> None:
    chat = await typing()
    chat.type("/tips")
    await chat.until(r"\[1\] 📬 Получать советы")
    chat.type("1")
    await chat.until(r"\n  \(pop-up\) Готово, вы подписаны! Первый совет: \d\d\.\d\d \d\d:\d\d\.\n")
    await chat.until(r"\n  \[1\] 👍 Полезно   \[2\] 🤷 Не про меня\n  \[3\] ⏸ Пауза")
    chat.type("1")
    await chat.until(r"\n  \(pop-up\) Спасибо! Рад, что пригодилось\.\n")
    chat.type("3")  # the tip's own pause button answers with an alert
    await chat.until(r"\n  \(alert\) Советы на паузе\. Чтобы возобновить, отправьте /tips\.\n")
    text = await chat.leave()
    assert "(pop-up) Советы на паузе" not in text, "an alert is not shown as a pop-up"


async def test_pictures_are_saved_and_their_path_printed(
    typing: Callable[[], Awaitable[Typing]], tmp_path: Path
) -> None:
    chat = await typing()
    chat.type("/start")
    for _ in range(60):  # always the first button, until the result
        chat.type("1")
        await chat.until(r"\n> 1\n")  # handled once the bot answered the line before
        if "[image]" in chat.text:
            break
    shown = re.search(
        r"── bot ── #(\d+)\n  \[image\] (data/playground-media/(\d{4})-profile\.png)\n", chat.text
    )
    assert shown is not None, chat.text[-3000:]
    assert int(shown[3]) == int(shown[1]), "named after its message id"
    await chat.leave()
    saved = (tmp_path / shown[2]).read_bytes()
    assert saved.startswith(b"\x89PNG"), "the bot's chart, as sent"
    assert len(saved) > 10_000


async def test_numbers_address_live_keyboards_only(typing: Callable[[], Awaitable[Typing]]) -> None:
    chat = await typing()
    chat.type("/tips")
    overview = int((await chat.until(r"── bot ── #(\d+)\n"))[1])
    await chat.until(r"\[1\] 📬 Получать советы")
    chat.type("1")
    await chat.until(rf"── bot edited #{overview} ──\n(?:.*\n)*?  \[1\] ⏸ Пауза")
    tip = int((await chat.until(r"── bot ── #(\d+)\n"))[1])
    assert tip > overview
    await chat.until(r"  \[1\] 👍 Полезно")
    # The older overview keeps live buttons: addressed by its message id.
    chat.type(f"#{overview}.1")
    await chat.until(rf"\(pressed \[1\] ⏸ Пауза on #{overview}\)")
    await chat.until(rf"── bot edited #{overview} ──\n(?:.*\n)*?  \[#{overview}\.1\] ▶ Возобновить")
    chat.type("2")  # the newest message with buttons is still the tip
    await chat.until(rf"\(pressed \[2\] 🤷 Не про меня on #{tip}\)")
    await chat.until(r"\(pop-up\) Спасибо, учту\.")
    chat.type("9")
    await chat.until(rf"\(no button 9 on #{tip}, .* Older messages with buttons: .*#{overview} ")
    chat.type(f"#{tip + 50}.1")
    await chat.until(rf"\(message #{tip + 50} has no buttons now; messages with buttons: ")
    chat.type("\\7")  # sent as text on purpose: the bot does not understand it
    await chat.until(r"Простите, я не понял")
    text = await chat.leave()
    assert text.count("Простите, я не понял") == 1, "no typed number reached the bot as text"

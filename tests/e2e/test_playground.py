"""`careerbot playground` as a person uses it: type, read, leave."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.emulator import ChatEvent, EmuMessage, InlineButton
from bot.playground import pick_button, render
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


async def test_chat_in_the_terminal(tmp_path: Path) -> None:
    database = tmp_path / "play.sqlite3"
    proc = await asyncio.create_subprocess_exec(
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
    assert proc.stdin is not None
    assert proc.stdout is not None
    banner = await read_until(proc.stdout, "Playground:")
    assert "Playground:" in banner
    proc.stdin.write(b"/start\n")
    await proc.stdin.drain()
    greeting = await read_until(proc.stdout, "/help")
    assert "Привет, Ира!" in greeting
    assert greeting.count("── bot ──") == 1, "only the bot's messages are echoed"
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

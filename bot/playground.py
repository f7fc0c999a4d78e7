"""`careerbot playground`: the emulator and the real bot in one process, and a chat in
the terminal. Type text to send it; inline buttons are listed with numbers and pressed
by typing the number. No token and no network needed."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings, load_settings
from bot.emulator import ChatEvent, Emulator, EmuMessage, InlineButton
from bot.logs import setup_logging

PLAYGROUND_TOKEN = "100000:PLAYGROUND-local-token-not-secret"  # noqa: S105 (emulator only)
HELP = (
    "Type a message and press Enter. Buttons are shown as [1], [2], ...: type the number"
    " to press one. /quit or Ctrl-D leaves."
)


def render(event: ChatEvent) -> str:
    """How one bot message looks in the terminal."""
    message = event.message
    if event.kind == "delete":
        return f"  (bot deleted message #{message.message_id})"
    label = "bot" if event.kind == "new" else f"bot edited #{message.message_id}"
    body = message.text or message.caption or ""
    if message.photo is not None:
        body = "[image] " + body
    if message.document is not None:
        body = "[file] " + body
    lines = [f"── {label} ──"]
    lines += [f"  {line}" for line in body.splitlines() or [""]]
    number = 0
    for row in message.buttons:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.text}")
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


def pick_button(message: EmuMessage | None, typed: str) -> InlineButton | None:
    """The button the person meant: by its number as rendered, or by its exact text."""
    if message is None:
        return None
    flat = [button for row in message.buttons for button in row]
    if typed.isdigit() and 1 <= int(typed) <= len(flat):
        return flat[int(typed) - 1]
    for button in flat:
        if button.text.casefold() == typed.casefold():
            return button
    return None


async def _stdin_lines() -> asyncio.StreamReader:
    """A non-blocking reader of standard input (a terminal or a pipe)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def _show(
    events: asyncio.Queue[ChatEvent], out: TextIO, state: dict[str, EmuMessage]
) -> None:
    while True:
        event = await events.get()
        if not event.message.from_bot:
            continue  # the person's own message is already on the screen
        if event.kind != "delete" and event.message.buttons:
            state["keyboard"] = event.message
        print(render(event), file=out, flush=True)


async def run_playground(
    *,
    database: Path,
    user_id: int,
    first_name: str,
    language_code: str,
    out: TextIO = sys.stdout,
) -> int:
    from bot.app import build_app

    async with Emulator(token=PLAYGROUND_TOKEN, bot_username="careerbot_playground_bot") as emu:
        settings = load_settings(
            Settings,
            bot_token=PLAYGROUND_TOKEN,
            telegram_api_url=emu.base_url,
            database_path=database,
        )
        setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
        app = await build_app(settings)
        polling = asyncio.create_task(app.run_polling(handle_signals=False))
        state: dict[str, EmuMessage] = {}
        shower = asyncio.create_task(_show(emu.subscribe(user_id), out, state))
        stdin = await _stdin_lines()
        print(f"Playground: database {database}. {HELP}", file=out, flush=True)
        try:
            while raw := await stdin.readline():
                text = raw.decode("utf-8", "replace").strip()
                if text in {"/quit", "/exit"}:
                    break
                if not text:
                    continue
                keyboard = state.get("keyboard")
                button = pick_button(keyboard, text)
                if keyboard is not None and button is not None:
                    if button.callback_data:
                        await emu.press(user_id, keyboard.message_id, button.callback_data)
                    else:
                        print(f"  (a link: {button.url})", file=out, flush=True)
                    continue
                await emu.send_text(
                    user_id, text, first_name=first_name, language_code=language_code
                )
        finally:
            shower.cancel()
            await app.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
    return 0

"""`careerbot playground`: the emulator and the real bot in one process, and a chat in
the terminal. Type text to send it; inline buttons are listed with numbers and pressed
by typing the number. No token and no network needed.

Every line typed (or piped in) is handled once the bot has finished answering the one
before, so a script such as `printf '/start\\n1\\n'` means what it would mean to a person
reading along; at the end of input the playground waits for the last replies too."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

from bot.config import Settings, load_settings
from bot.emulator import ChatEvent, Emulator, EmulatorError, EmuMessage, InlineButton
from bot.logs import setup_logging

PLAYGROUND_TOKEN = "100000:PLAYGROUND-local-token-not-secret"  # noqa: S105 (emulator only)
MEDIA_DIR = Path("data/playground-media")
HELP = (
    "Type a message and press Enter. Buttons are shown as [1], [2], ...: a number presses"
    " that button on the newest message that still has buttons; #7.2 presses button 2 of"
    " message #7 (older messages show their buttons that way). Typing a button's text"
    " presses it too; a leading \\ sends the rest as plain text (\\2 sends 2)."
    " /quit or Ctrl-D leaves."
)
QUIET = 0.15  # seconds without any Bot API call before the bot counts as done answering
SETTLE_LIMIT = 30.0  # the longest wait for the bot's answer before going on anyway
_POLL = 0.02
_ADDRESS = re.compile(r"#(\d+)(?:\.(\d+))?")
_UNSAFE_NAME = re.compile(r"[^\w.-]+")


# --- what the person sees -----------------------------------------------------------------


def render(event: ChatEvent, *, current: bool = True, saved: Path | None = None) -> str:
    """How one bot message looks in the terminal. Buttons of the message typed numbers go
    to (`current`) are shown as [1], [2], ...; those of an older message as [#7.1], ..."""
    message = event.message
    if event.kind == "delete":
        return f"  (bot deleted message #{message.message_id})"
    if event.kind == "new":
        lines = [f"── bot ── #{message.message_id}"]
    else:
        lines = [f"── bot edited #{message.message_id} ──"]
    media = message.media
    if media is not None:
        tag = {"photo": "[image]", "document": "[file]"}.get(media.kind, f"[{media.kind}]")
        name = media.file_name if media.kind == "document" else None
        lines.append(f"  {tag} {saved or name or ''}".rstrip())
    body = message.text or message.caption or ""
    if body or media is None:
        lines += [f"  {line}" for line in body.splitlines() or [""]]
    number = 0
    for row in message.buttons:
        cells = []
        for button in row:
            number += 1
            label = str(number) if current else f"#{message.message_id}.{number}"
            cells.append(f"[{label}] {button.text}")
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


def pop_up(answer: dict[str, object]) -> str | None:
    """The line for a callback answer: a pop-up (toast) or an alert with an OK button."""
    text = str(answer.get("text") or "")
    url = answer.get("url")
    lines = []
    if text:
        kind = "alert" if answer.get("show_alert") else "pop-up"
        lines.append(f"  ({kind}) " + "\n    ".join(text.splitlines()))
    if url:
        lines.append(f"  (opens {url})")
    return "\n".join(lines) or None


def save_media(message: EmuMessage, folder: Path) -> Path | None:
    """Write the photo or file of a bot message into `folder` as `<message id>-<name>`."""
    media = message.media
    if media is None or media.kind not in ("photo", "document"):
        return None
    main = media.main
    name = media.file_name or media.kind + PurePosixPath(main.file_path).suffix
    name = _UNSAFE_NAME.sub("_", name).strip("._") or media.kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.message_id:04d}-{name}"
    path.write_bytes(main.data)
    return path


# --- which button a typed line means -------------------------------------------------------


class Keyboards:
    """Every bot message that has inline buttons right now: an edit that removes the
    keyboard, or deleting the message, takes it out."""

    def __init__(self) -> None:
        self._live: dict[int, EmuMessage] = {}

    def update(self, event: ChatEvent) -> None:
        message = event.message
        if not message.from_bot:
            return
        if event.kind == "delete" or message.deleted or not message.buttons:
            self._live.pop(message.message_id, None)
        else:
            self._live[message.message_id] = message

    def newest(self) -> EmuMessage | None:
        """The message a bare number goes to: the newest one that still has buttons."""
        return self._live[max(self._live)] if self._live else None

    def get(self, message_id: int) -> EmuMessage | None:
        return self._live.get(message_id)

    def ids(self) -> list[int]:
        return sorted(self._live)


@dataclass(frozen=True)
class Press:
    message: EmuMessage
    number: int
    button: InlineButton


@dataclass(frozen=True)
class Send:
    text: str


@dataclass(frozen=True)
class Problem:
    line: str


def _flat(message: EmuMessage) -> list[InlineButton]:
    return [button for row in message.buttons for button in row]


def pick_button(message: EmuMessage | None, typed: str) -> InlineButton | None:
    """The button the person meant: by its number as rendered, or by its exact text."""
    if message is None:
        return None
    flat = _flat(message)
    if typed.isdigit() and 1 <= int(typed) <= len(flat):
        return flat[int(typed) - 1]
    for button in flat:
        if button.text.casefold() == typed.casefold():
            return button
    return None


def _older(keyboards: Keyboards, newest: EmuMessage) -> str:
    ids = [f"#{i}" for i in keyboards.ids() if i != newest.message_id]
    if not ids:
        return ""
    return f" Older messages with buttons: {', '.join(ids)} (type #<message>.<n>)."


def resolve(typed: str, keyboards: Keyboards) -> Press | Send | Problem:
    """What a typed line does: press a button, send text, or nothing (with a reason).

    `\\text` sends text; `#7.2` presses button 2 of message #7; a number presses that
    button of the newest message that still has buttons; so does a button's exact text;
    anything else is sent as text."""
    if typed.startswith("\\"):
        return Send(typed[1:]) if typed[1:].strip() else Problem("  (nothing to send after \\)")
    address = _ADDRESS.fullmatch(typed)
    if address is not None:
        message_id, number = int(address[1]), int(address[2] or 0)
        message = keyboards.get(message_id)
        if message is None:
            live = ", ".join(f"#{i}" for i in keyboards.ids()) or "none"
            return Problem(
                f"  (message #{message_id} has no buttons now; messages with buttons: {live})"
            )
        flat = _flat(message)
        if not 1 <= number <= len(flat):
            return Problem(
                f"  (message #{message_id} has buttons #{message_id}.1 to"
                f" #{message_id}.{len(flat)}; \\{typed} sends it as text)"
            )
        return Press(message, number, flat[number - 1])
    newest = keyboards.newest()
    if typed.isdigit():
        if newest is None:
            return Problem(
                f"  (no message has buttons now, so {typed} presses nothing;"
                f" \\{typed} sends it as text)"
            )
        count = len(_flat(newest))
        if not 1 <= int(typed) <= count:
            return Problem(
                f"  (no button {typed} on #{newest.message_id}, the newest message with"
                f" buttons: it has 1 to {count}; \\{typed} sends it as text."
                + _older(keyboards, newest)
                + ")"
            )
    button = pick_button(newest, typed)
    if newest is not None and button is not None:
        return Press(newest, _flat(newest).index(button) + 1, button)
    return Send(typed)


# --- the session ------------------------------------------------------------------------


class Playground:
    """One person's chat with the bot: prints what the bot does, acts on typed lines."""

    def __init__(
        self,
        emu: Emulator,
        *,
        user_id: int,
        first_name: str,
        language_code: str,
        out: TextIO,
        media_dir: Path,
        busy: Callable[[], bool],
        echo: bool = False,
    ) -> None:
        self.emu = emu
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.out = out
        self.media_dir = media_dir
        self.keyboards = Keyboards()
        self._busy = busy
        self._echo = echo
        self._events = emu.subscribe(user_id)
        self._queries: list[str] = []  # button presses whose answer is not shown yet
        self._saved: dict[int, Path] = {}
        self._announced: int | None = None  # the message last shown with bare numbers

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def close(self) -> None:
        self.emu.unsubscribe(self._events)

    # ----------------------------------------------------------------- output

    def _has_news(self) -> bool:
        return not self._events.empty() or any(
            self.emu.callback_answer(query) is not None for query in self._queries
        )

    def flush(self) -> None:
        """Print every callback answer and chat event that arrived, in order."""
        for query in list(self._queries):
            answer = self.emu.callback_answer(query)
            if answer is not None:
                self._queries.remove(query)
                line = pop_up(answer)
                if line:
                    self.say(line)
        while not self._events.empty():
            self._show(self._events.get_nowait())

    def _show(self, event: ChatEvent) -> None:
        self.keyboards.update(event)
        message = event.message
        if not message.from_bot:
            return  # the person's own message is already on the screen
        saved = self._saved.get(message.message_id)
        if event.kind == "new" and message.media is not None:
            try:
                saved = save_media(message, self.media_dir)
            except OSError as exc:
                self.say(f"  (could not save the bot's {message.media.kind}: {exc})")
            if saved is not None:
                self._saved[message.message_id] = saved
        newest = self.keyboards.newest()
        current = newest is message
        if current:
            self._announced = message.message_id
        self.say(render(event, current=current, saved=saved))

    def announce(self) -> None:
        """When typed numbers now go to another message than the one last shown with bare
        numbers (its keyboard was removed), say which; only once the bot is quiet."""
        newest = self.keyboards.newest()
        target = self._target()
        if target == self._announced:
            return
        self._announced = target
        if newest is not None:
            cells = "   ".join(f"[{n}] {b.text}" for n, b in enumerate(_flat(newest), 1))
            self.say(f"  (typed numbers now press the buttons of #{target}: {cells})")

    def _target(self) -> int | None:
        newest = self.keyboards.newest()
        return newest.message_id if newest is not None else None

    async def pump(self) -> None:
        """Print what the bot does as it happens (a background task)."""
        while True:
            unannounced = self._target() != self._announced
            try:
                await self.emu.wait_until(self._has_news, QUIET if unannounced else 3600)
            except TimeoutError:
                if unannounced and not self._busy():
                    self.announce()
                continue
            self.flush()

    async def settle(self, limit: float = SETTLE_LIMIT) -> bool:
        """Wait until the bot has answered everything sent so far: no update waiting in the
        emulator or being handled, and no Bot API call for QUIET seconds. Then print it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        calls = len(self.emu.calls)
        quiet_since = loop.time()
        while True:
            now = loop.time()
            if len(self.emu.calls) != calls or self._busy():
                calls = len(self.emu.calls)
                quiet_since = now
            elif now - quiet_since >= QUIET:
                break
            if now >= deadline:
                self.flush()
                return False
            await asyncio.sleep(_POLL)
        self.flush()
        self.announce()
        if self._queries:  # the bot is idle: these will never be answered
            self.say("  (the bot did not answer the button press: Telegram would keep it spinning)")
            self._queries.clear()
        return True

    # ----------------------------------------------------------------- input

    async def handle(self, typed: str) -> None:
        """Act on one typed line (already stripped, not empty)."""
        if self._echo:
            self.say(f"> {typed}")
        action = resolve(typed, self.keyboards)
        if isinstance(action, Problem):
            self.say(action.line)
        elif isinstance(action, Send):
            await self.emu.send_text(
                self.user_id,
                action.text,
                first_name=self.first_name,
                language_code=self.language_code,
            )
        else:
            await self._press(action)

    async def _press(self, action: Press) -> None:
        message, button = action.message, action.button
        where = f"[{action.number}] {button.text} on #{message.message_id}"
        if button.callback_data:
            try:
                query = await self.emu.press(self.user_id, message.message_id, button.callback_data)
            except EmulatorError as exc:
                self.say(f"  (could not press {where}: {exc})")
                return
            self._queries.append(query)
            self.say(f"  (pressed {where})")
        elif button.url:
            self.say(f"  (a link: {button.url})")
        else:
            self.say(f"  ({where} does nothing in the playground)")


async def _stdin_lines() -> AsyncGenerator[str]:
    """Lines of standard input (a terminal, a pipe or a file) without blocking the loop."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
    except ValueError:  # a regular file (`< script.txt`): read it in a thread
        while line := await asyncio.to_thread(sys.stdin.readline):
            yield line
        return
    try:
        while raw := await reader.readline():
            yield raw.decode("utf-8", "replace")
    finally:
        transport.close()


async def run_playground(
    *,
    database: Path,
    user_id: int,
    first_name: str,
    language_code: str,
    media_dir: Path = MEDIA_DIR,
    out: TextIO = sys.stdout,
) -> int:
    """Chat until /quit or the end of input (then after the bot's last replies)."""
    from bot.app import build_app

    async with Emulator(token=PLAYGROUND_TOKEN, bot_username="careerbot_playground_bot") as emu:
        settings = load_settings(
            Settings,
            bot_token=PLAYGROUND_TOKEN,
            telegram_api_url=emu.base_url,
            database_path=database,
        )
        setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
        app = await build_app(settings, command="careerbot playground")
        polling = asyncio.create_task(app.run_polling(handle_signals=False))
        play = Playground(
            emu,
            user_id=user_id,
            first_name=first_name,
            language_code=language_code,
            out=out,
            media_dir=media_dir,
            busy=lambda: bool(emu.pending_updates) or app.inflight.in_flight > 0,
            echo=not sys.stdin.isatty(),  # a script's lines are shown with the answers
        )
        pump = asyncio.create_task(play.pump())
        play.say(f"Playground: database {database}, pictures and files go to {media_dir}/. {HELP}")
        source = _stdin_lines()
        try:
            async for raw in source:
                text = raw.strip()
                if not text:
                    continue
                if not await play.settle():
                    play.say("  (the bot is still busy; going on)")
                if text in {"/quit", "/exit"}:
                    break
                await play.handle(text)
            else:  # end of input: show the answers to what was sent, then leave
                if not await play.settle():
                    play.say(f"  (the bot was still busy after {SETTLE_LIMIT:.0f}s; leaving)")
        finally:
            await source.aclose()
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            play.close()
            await app.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
    return 0

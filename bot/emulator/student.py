"""``Student``: a simulated user for tests that read like a conversation.

It keeps its own cursor over the bot's messages, so each ``expect_*`` returns what the bot said
since the previous one, and failures list what the chat actually shows.
"""

# The public waiting API takes plain seconds (timeout=...), as the test helpers document.
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import Any

from bot.emulator.emulator import Emulator
from bot.emulator.models import EmuMessage, InlineButton


class ExpectationError(AssertionError):
    """The bot did not behave as the student expected."""


class ExpectationTimeout(ExpectationError, TimeoutError):
    """Nothing (or not enough) arrived in time; also a TimeoutError."""


class Student:
    """A person chatting with the bot in their private chat (chat id == user id)."""

    def __init__(
        self,
        emu: Emulator,
        user_id: int = 1001,
        first_name: str = "Аня",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "ru",
        timeout: float = 5.0,
    ) -> None:
        self.emu = emu
        self.user_id = user_id
        self.timeout = timeout
        self.profile: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
        }
        emu.user(user_id, **self.profile)
        existing = emu.bot_messages(user_id)
        self._cursor = existing[-1].message_id if existing else 0
        self._seen_edits: dict[int, int] = {}
        self.last_message: EmuMessage | None = None

    @property
    def chat_id(self) -> int:
        return self.user_id

    @property
    def messages(self) -> list[EmuMessage]:
        """Everything the bot has sent to this chat so far."""
        return self.emu.bot_messages(self.user_id)

    def _saw(self, messages: list[EmuMessage]) -> None:
        for message in messages:
            self._cursor = max(self._cursor, message.message_id)
            self._seen_edits[message.message_id] = message.edit_count
            self.last_message = message

    # ----------------------------------------------------------------- acting

    async def send(self, text: str) -> EmuMessage:
        return await self.emu.send_text(self.user_id, text, **self.profile)

    async def send_photo(self, data: bytes | None = None, caption: str | None = None) -> EmuMessage:
        return await self.emu.send_photo(self.user_id, data, caption=caption)

    async def send_sticker(self, emoji: str = "👍") -> EmuMessage:
        return await self.emu.send_sticker(self.user_id, emoji=emoji)

    async def send_voice(self, duration: int = 3) -> EmuMessage:
        return await self.emu.send_voice(self.user_id, duration=duration)

    async def send_document(
        self, data: bytes = b"hello\n", file_name: str = "notes.txt"
    ) -> EmuMessage:
        return await self.emu.send_document(self.user_id, data, file_name=file_name)

    def find_button(
        self, text: str, *, message: EmuMessage | None = None, message_id: int | None = None
    ) -> tuple[EmuMessage, InlineButton]:
        """The button labelled exactly ``text`` on the newest message that shows it."""
        if message is None and message_id is not None:
            message = self.emu.get_message(self.user_id, message_id)
        candidates = [message] if message is not None else list(reversed(self.messages))
        for candidate in candidates:
            if candidate.deleted:
                continue
            for row in candidate.buttons:
                for button in row:
                    if button.text == text:
                        return candidate, button
        visible = [
            f"  #{m.message_id}: " + " | ".join(repr(t) for t in m.button_texts)
            for m in candidates
            if m.button_texts and not m.deleted
        ]
        where = f"message #{candidates[0].message_id}" if message is not None else "the chat"
        raise ExpectationError(
            f"no button {text!r} in {where}; visible buttons:\n"
            + ("\n".join(visible) if visible else "  (none)")
        )

    async def press(
        self,
        text: str,
        *,
        message: EmuMessage | None = None,
        message_id: int | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Tap a callback button by its label; returns the bot's answerCallbackQuery params."""
        target, button = self.find_button(text, message=message, message_id=message_id)
        if button.callback_data is None:
            raise ExpectationError(
                f"button {text!r} on message #{target.message_id} is not a callback button "
                f"(url={button.url!r})"
            )
        query_id = await self.emu.press(self.user_id, target.message_id, button.callback_data)
        wait = self.timeout if timeout is None else timeout
        try:
            return await self.emu.wait_callback_answer(query_id, timeout=wait)
        except TimeoutError as exc:
            raise ExpectationTimeout(str(exc)) from None

    # ----------------------------------------------------------------- expecting

    async def expect_messages(self, count: int, timeout: float | None = None) -> list[EmuMessage]:
        """The next ``count`` bot messages not yet returned to this student."""
        wait = self.timeout if timeout is None else timeout
        try:
            found = await self.emu.wait_bot_messages(
                self.user_id, count=count, after=self._cursor, timeout=wait
            )
        except TimeoutError as exc:
            raise ExpectationTimeout(str(exc)) from None
        self._saw(found)
        return found

    async def expect_message(self, timeout: float | None = None) -> EmuMessage:
        return (await self.expect_messages(1, timeout))[0]

    async def expect_no_message(self, within: float = 0.5) -> None:
        """Fail if the bot sends anything new within ``within`` seconds."""
        try:
            found = await self.emu.wait_bot_messages(
                self.user_id, count=1, after=self._cursor, timeout=within
            )
        except TimeoutError:
            return
        raise ExpectationError(
            f"expected no new bot message within {within}s, got: {found[0].summary()}"
        )

    async def expect_edit(
        self,
        message: EmuMessage | None = None,
        timeout: float | None = None,
    ) -> EmuMessage:
        """Wait until ``message`` (default: last_message) is edited after this student saw it."""
        target = message or self.last_message
        if target is None:
            raise ExpectationError("expect_edit needs a message: the student has seen none yet")
        seen = self._seen_edits.get(target.message_id, 0)
        wait = self.timeout if timeout is None else timeout
        try:
            await self.emu.wait_until(
                lambda: target.edit_count > seen,
                wait,
                f"an edit of message #{target.message_id} ({target.summary()})",
            )
        except TimeoutError as exc:
            raise ExpectationTimeout(str(exc)) from None
        self._seen_edits[target.message_id] = target.edit_count
        self.last_message = target
        return target

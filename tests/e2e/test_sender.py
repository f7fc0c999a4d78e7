"""The shared sender against the emulator's injected faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot
from aiogram.types import MessageId as Sent

from bot.broadcast import Blocked, Delivered, Failed, Sender
from bot.broadcast import Sent as AnySent
from bot.emulator import Emulator, Fault
from bot.services.delivery import Letter

USER = 8101


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    await emu.send_text(USER, "hi")
    client = emu.make_bot()
    yield client
    await client.session.close()


async def test_delivers(emu: Emulator, bot: Bot) -> None:
    outcome = await Sender().send_message(bot, USER, "<b>tip</b>", parse_mode="HTML")
    assert isinstance(outcome, Delivered)
    assert emu.get_message(USER, outcome.message_id).text == "tip"


async def test_429_is_waited_out_and_the_message_sent_once(emu: Emulator, bot: Bot) -> None:
    emu.add_fault(Fault(kind="429", chat_id=USER, times=1, retry_after=1))
    sender = Sender()
    outcome = await sender.send_message(bot, USER, "after the pause")
    assert isinstance(outcome, Delivered)
    assert [m.text for m in emu.bot_messages(USER)] == ["after the pause"]
    sends = [c for c in emu.calls if c.method == "sendMessage"]
    assert len(sends) == 2


async def test_403_is_reported_as_blocked_without_retry(emu: Emulator, bot: Bot) -> None:
    emu.block(USER)
    outcome = await Sender().send_message(bot, USER, "lost")
    assert isinstance(outcome, Blocked)
    assert "blocked" in outcome.reason
    assert len([c for c in emu.calls if c.method == "sendMessage"]) == 1


async def test_5xx_is_retried_with_backoff(emu: Emulator, bot: Bot) -> None:
    emu.add_fault(Fault(kind="500", chat_id=USER, times=2))
    outcome = await Sender(backoff=0.01).send_message(bot, USER, "third time lucky")
    assert isinstance(outcome, Delivered)
    assert len([c for c in emu.calls if c.method == "sendMessage"]) == 3


async def test_5xx_gives_up_after_the_retries(emu: Emulator, bot: Bot) -> None:
    emu.add_fault(Fault(kind="500", chat_id=USER))
    outcome = await Sender(retries=2, backoff=0.01).send_message(bot, USER, "never")
    assert isinstance(outcome, Failed)
    assert len([c for c in emu.calls if c.method == "sendMessage"]) == 3


async def test_bad_request_fails_at_once(emu: Emulator, bot: Bot) -> None:
    outcome = await Sender().send_message(bot, USER, "<bogus>unclosed", parse_mode="HTML")
    assert isinstance(outcome, Failed)
    assert "can't parse entities" in outcome.reason


async def test_rate_limit_spaces_sends_across_callers() -> None:
    now = 0.0
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        nonlocal now
        sleeps.append(seconds)
        now += seconds

    sender = Sender(rate=10, sleep=fake_sleep, monotonic=lambda: now)
    stamps: list[float] = []

    async def fake_send() -> Sent:
        stamps.append(now)

        return Sent(message_id=len(stamps))

    for chat_id in range(5):  # different chats: one chat is also limited to 1 a second
        await sender.deliver(fake_send, chat_id=chat_id)
    assert stamps == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


async def test_only_a_paid_letter_asks_for_a_paid_broadcast(emu: Emulator, bot: Bot) -> None:
    await Letter(USER, "a tip").send(bot)
    await Letter(USER, "news", paid=True).send(bot)
    tip, news = [c.params for c in emu.calls_to("sendMessage")]
    assert "allow_paid_broadcast" not in tip
    assert news["allow_paid_broadcast"] is True
    assert [m.text for m in emu.bot_messages(USER)] == ["a tip", "news"]


@dataclass(slots=True)
class CopiedLetter(Letter):
    """A letter sent as a copy of a stored message, the way a broadcast may send one."""

    from_chat_id: int = 0
    message_id: int = 0

    async def send(self, bot: Bot) -> AnySent:
        return await bot.copy_message(
            self.chat_id,
            self.from_chat_id,
            self.message_id,
            reply_markup=self.markup,
            allow_paid_broadcast=self.paid or None,
        )


async def test_a_copy_can_be_a_paid_broadcast(emu: Emulator, bot: Bot) -> None:
    original = await emu.send_text(USER, "the announcement")
    letter = CopiedLetter(USER, "", paid=True, from_chat_id=USER, message_id=original.message_id)
    copy = await letter.send(bot)
    (call,) = emu.calls_to("copyMessage")
    assert call.params["allow_paid_broadcast"] is True
    assert emu.get_message(USER, copy.message_id).text == "the announcement"

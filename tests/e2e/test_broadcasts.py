"""Operators' broadcasts end to end: invited, compose, audience, preview, send; every
recipient gets one copy through 403 and 429; pause, resume, cancel; a schedule."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.emulator import Emulator, EmuMessage, Fault, Student
from tests.e2e.conftest import RunningBot, agree
from tests.e2e.test_centres import ADMIN, START_LINK, person, staff_menu
from tests.support import text_of

FAST = {"admin_ids": frozenset({ADMIN}), "tips_tick": "PT0.2S"}
CAPTION = "Ярмарка вакансий в пятницу"


@pytest.fixture
async def newsbot(emu: Emulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path, overrides=dict(FAST))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def operator_of(emu: Emulator) -> Student:
    """An operator, invited by the admin."""
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/operator_invite")
    (invite,) = START_LINK.findall(text_of(await admin.expect_message()))
    operator = person(emu, 9201, "Olga")
    await operator.send(f"/start {invite}")
    assert "operator" in text_of(await operator.expect_message())
    assert {"broadcast", "broadcasts"} <= await staff_menu(emu, operator.user_id)
    return operator


async def students(emu: Emulator, count: int, first: int = 5000) -> list[Student]:
    people = [person(emu, first + n, f"Студент{n}", "ru") for n in range(count)]
    for student in people:
        await agree(student)
    return people


def copies(emu: Emulator, student: Student) -> list[EmuMessage]:
    return [m for m in emu.bot_messages(student.user_id) if m.caption == CAPTION]


async def compose_photo(operator: Student, buttons: str | None = None) -> EmuMessage:
    """/broadcast, a photo with a caption, link buttons: the audience screen."""
    await operator.send("/broadcast")
    await operator.expect_message()
    await operator.send_photo(caption=CAPTION)
    ask = await operator.expect_message()
    if buttons is None:
        await operator.press("Skip ▸", message=ask)
        return await operator.expect_edit(ask)
    await operator.send(buttons)
    return await operator.expect_message()


async def send_now(operator: Student, audience: EmuMessage) -> EmuMessage:
    """Preview, send now, confirm: the progress message."""
    await operator.press("👁 Preview ▸", message=audience)
    preview, question = await operator.expect_messages(2)
    assert preview.caption == CAPTION
    await operator.press("🚀 Send now", message=question)
    confirm = await operator.expect_edit(question)
    assert "now?" in text_of(confirm)
    await operator.press("✅ Confirm", message=confirm)
    return await operator.expect_edit(confirm)


async def wait_report(operator: Student, timeout: float = 30) -> str:
    async with asyncio.timeout(timeout):
        while True:
            message = await operator.expect_message(timeout=timeout)
            if message.text and message.text.startswith("📊 Broadcast"):
                return message.text


@pytest.mark.timeout(120)
async def test_a_broadcast_reaches_each_student_once_through_403_and_429(
    emu: Emulator, newsbot: RunningBot
) -> None:
    operator = await operator_of(emu)
    people = await students(emu, 6)
    blocked, quiet = people[0], people[1]
    # Blocked without the bot knowing yet (no my_chat_member update): its send gets 403.
    emu.add_fault(Fault(kind="403", chat_id=blocked.user_id))
    assert newsbot.app is not None
    await newsbot.app.services.students.set_news(quiet.user_id, False)

    audience = await compose_photo(operator, "Регистрация - https://example.org/fair")
    assert "Recipients now: 5 " in text_of(audience)
    emu.add_fault(Fault(kind="429", methods=["copyMessage"], chat_id=people[3].user_id, times=1))
    progress = await send_now(operator, audience)
    assert "Broadcast #" in text_of(progress)

    report = await wait_report(operator)
    assert "sent 4 of 5" in report
    assert "Blocked the bot: 1" in report
    for student in people[2:]:
        (copy,) = copies(emu, student)
        urls = [b.url for row in copy.buttons for b in row if b.url]
        assert urls == ["https://example.org/fair"]
        assert any("news" in (b.callback_data or "") for row in copy.buttons for b in row)
    assert copies(emu, blocked) == []
    assert copies(emu, quiet) == []
    assert any(f.error_code == 429 for f in emu.failures)  # the 429 really happened


@pytest.mark.timeout(120)
async def test_pause_resume_and_cancel(emu: Emulator, tmp_path: Path) -> None:
    bot = RunningBot(emu, tmp_path, overrides={**FAST, "send_rate": "4"})
    await bot.start()
    try:
        operator = await operator_of(emu)
        people = await students(emu, 24)
        progress = await send_now(operator, await compose_photo(operator))
        async with asyncio.timeout(20):
            while sum(len(copies(emu, s)) for s in people) < 3:
                await asyncio.sleep(0.05)
        async with asyncio.timeout(10):  # the progress message is brought up to date
            while "⏸ Pause" not in progress.button_texts:
                await asyncio.sleep(0.05)
        await operator.press("⏸ Pause", message=progress)
        await asyncio.sleep(0.6)  # a send already claimed may still finish
        paused_at = sum(len(copies(emu, s)) for s in people)
        await asyncio.sleep(1.5)
        assert sum(len(copies(emu, s)) for s in people) == paused_at
        await operator.press("▶️ Resume", message=progress)
        async with asyncio.timeout(20):
            while sum(len(copies(emu, s)) for s in people) < paused_at + 3:
                await asyncio.sleep(0.05)
        await operator.press("✖ Cancel broadcast", message=progress)
        sure = await operator.expect_message()
        await operator.press("Yes, cancel it", message=sure)
        report = await wait_report(operator)
        sent = sum(len(copies(emu, s)) for s in people)
        assert sent < len(people)
        assert f"sent {sent} of 24" in report
        assert f"not sent: {24 - sent}" in report
        assert all(len(copies(emu, s)) <= 1 for s in people)
    finally:
        await bot.stop()


@pytest.mark.timeout(120)
async def test_a_scheduled_tip_goes_at_its_time_in_each_language(
    emu: Emulator, tmp_path: Path
) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    clock = FrozenClock(start)
    bot = RunningBot(emu, tmp_path, overrides=dict(FAST), clock=clock)
    await bot.start()
    try:
        operator = await operator_of(emu)
        ru = (await students(emu, 1, first=5100))[0]
        en = person(emu, 5200, "Emma", "en")
        await agree(en)

        await operator.send("/broadcast")
        first = await operator.expect_message()
        await operator.press("📚 A tip from the catalogue", message=first)
        topics = await operator.expect_edit(first)
        await operator.press(topics.button_texts[0], message=topics)
        tips = await operator.expect_edit(topics)
        await operator.press(tips.button_texts[0], message=tips)
        audience = await operator.expect_edit(tips)
        await operator.press("👁 Preview ▸", message=audience)
        _preview, question = await operator.expect_messages(2)
        await operator.press("🕒 Schedule", message=question)
        await operator.expect_message()
        await operator.send("bad date")
        assert "future" in text_of(await operator.expect_message())
        await operator.send("23.11.2026 15:00")  # 12:00 UTC, in three hours
        confirm = await operator.expect_message()
        assert "23.11.2026 15:00" in text_of(confirm)
        await operator.press("✅ Confirm", message=confirm)
        scheduled = await operator.expect_edit(confirm)
        assert "Starts 23.11.2026 15:00" in text_of(scheduled)

        await ru.expect_no_message(within=1.0)
        clock.advance(timedelta(hours=3))
        tip_ru = await ru.expect_message(timeout=10)
        tip_en = await en.expect_message(timeout=10)
        assert "💡" in text_of(tip_ru)
        assert "👍 Полезно" in tip_ru.button_texts
        assert "👍 Useful" in tip_en.button_texts
        report = await wait_report(operator)
        assert "sent 2 of 2" in report
    finally:
        await bot.stop()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("paid", "rate"), [(False, "25"), (True, "100")])
async def test_paid_broadcast_setting_reaches_the_copies(
    emu: Emulator, tmp_path: Path, paid: bool, rate: str
) -> None:
    """PAID_BROADCAST=true: every copy asks for allow_paid_broadcast; otherwise none."""
    overrides = {**FAST, "send_rate": rate, "paid_broadcast": paid}
    bot = RunningBot(emu, tmp_path, overrides=overrides)
    app = await bot.start()
    try:
        people = await students(emu, 2)
        source = await emu.send_text(ADMIN, CAPTION)
        service = app.services.broadcasts
        draft = await service.draft_copy(ADMIN, ADMIN, source.message_id)
        assert await service.confirm(draft.id, None, None)
        async with asyncio.timeout(20):
            while len(emu.calls_to("copyMessage")) < len(people):
                await asyncio.sleep(0.05)
        calls = emu.calls_to("copyMessage")
        assert sorted(c.params["chat_id"] for c in calls) == [s.user_id for s in people]
        flags = [c.params.get("allow_paid_broadcast") for c in calls]
        assert flags == ([True] * len(people) if paid else [None] * len(people))
    finally:
        await bot.stop()

"""Learning tips end to end: subscribe, delivery in order, pause, stop, feedback, 403, 429,
downtime and restarts. Time is a frozen clock moved by the test; the scheduler ticks for
real every 0.1 s, so nothing waits for days."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.db import open_database
from bot.emulator import Emulator, EmuMessage, Fault, Student
from bot.quiz.snapshot import StoredProfile
from bot.tips.catalogue import load_tips
from bot.tips.planner import order_tips
from handlers.tips import TipCb
from tests.e2e.conftest import BotProcess, RunningBot, agree
from tests.e2e.quiz_walk import ROOT, advance, best, calmly, like, walk
from tests.e2e.test_quiz_flow import begin
from tests.personas import PERSONAS
from tests.support import text_of

CATALOGUE = load_tips(ROOT / "quizzes" / "tips.yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
FAST = {
    "tips_first_delay": "PT10M",
    "tips_interval": "P2D",
    "tips_window": "0-24",
    "tips_tick": "PT0.1S",
    "tips_grace": "PT12H",
    "tips_count": "4",
    "quiz_reminder_delay": "P1D",
}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def tipsbot(emu: Emulator, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path, overrides=dict(FAST), clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def anya(emu: Emulator, tipsbot: RunningBot) -> Student:
    student = Student(emu, user_id=7001, first_name="Аня", language_code="ru")
    await agree(student)
    return student


def tip_of(message: EmuMessage) -> str | None:
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("t:"):
                return TipCb.unpack(button.callback_data).tip
    return None


async def finish_quiz_and_subscribe(student: Student, tipsbot: RunningBot) -> list[str]:
    """Take the quiz, press "get tips"; return the tip ids the plan should send, in order."""
    first = await begin(student)
    # A people person who avoids technology, reading every question: a result to trust,
    # with growth areas of its own.
    assert isinstance(tipsbot.clock, FrozenClock)
    await walk(student, first, like(PERSONAS["product_comms"]), pace=calmly(tipsbot.clock))
    answer = await student.press("📬 Получать советы")
    overview = await student.expect_message()
    # The pop-up names the same time as the screen (it used to say "soon" whatever the time).
    when = re.search(r"Следующий совет: (\d\d\.\d\d \d\d:\d\d)", text_of(overview))
    assert when is not None, overview.text
    assert f"Первый совет: {when.group(1)}" in str(answer["text"])
    assert tipsbot.app is not None
    stored = await tipsbot.app.db.fetchval(
        "SELECT profile FROM attempts WHERE user_id = ? AND status = 'finished'",
        (student.user_id,),
    )
    import json

    profile = StoredProfile.from_dict(json.loads(stored))
    assert not profile.flagged
    assert profile.growth_areas
    return order_tips(CATALOGUE, profile.growth_areas, profile.scores)[:4]


async def next_tip(student: Student, timeout: float = 5) -> str:
    message = await student.expect_message(timeout=timeout)
    tip = tip_of(message)
    assert tip is not None, message.summary()
    return tip


async def outbox(tipsbot: RunningBot, user_id: int) -> list[tuple[str, str]]:
    assert tipsbot.app is not None
    rows = await tipsbot.app.db.fetchall(
        "SELECT tip_id, status FROM tip_outbox WHERE user_id = ? ORDER BY position",
        (user_id,),
    )
    return [(row[0], row[1]) for row in rows]


async def test_tips_arrive_in_plan_order_for_the_weakest_traits(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock
) -> None:
    expected = await finish_quiz_and_subscribe(anya, tipsbot)
    first = CATALOGUE.get(expected[0])
    assert first is not None
    assert {t.category for t in map(CATALOGUE.get, expected[:3]) if t} == {
        "initiative",
        "planning",
        "self_development",
    }
    await anya.expect_no_message(within=0.4)  # nothing before its time

    clock.advance(timedelta(minutes=10))
    message = await anya.expect_message()
    assert tip_of(message) == expected[0]
    assert first.title.get("ru") in text_of(message)
    received = [expected[0]]
    for _ in range(3):
        clock.advance(timedelta(days=2))
        received.append(await next_tip(anya))
    assert received == expected
    clock.advance(timedelta(days=10))
    await anya.expect_no_message(within=0.5)
    assert [status for _tip, status in await outbox(tipsbot, anya.user_id)] == ["sent"] * 4


async def test_pause_stops_delivery_and_resume_brings_it_back(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock
) -> None:
    expected = await finish_quiz_and_subscribe(anya, tipsbot)
    clock.advance(timedelta(minutes=10))
    first = await anya.expect_message()
    answer = await anya.press("⏸ Пауза", message=first)
    assert "на паузе" in str(answer["text"])
    clock.advance(timedelta(days=6))
    await anya.expect_no_message(within=0.5)

    await anya.send("/tips")
    screen = await anya.expect_message()
    assert "на паузе" in text_of(screen)
    await anya.press("▶ Возобновить", message=screen)
    clock.advance(timedelta(minutes=10))  # resuming restarts the pace from now
    assert await next_tip(anya) == expected[1]


async def test_stop_cancels_every_pending_tip_at_once(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock
) -> None:
    await finish_quiz_and_subscribe(anya, tipsbot)
    clock.advance(timedelta(minutes=10))
    first = await anya.expect_message()
    answer = await anya.press("✖ Отписаться", message=first)
    assert "отписались" in str(answer["text"])
    statuses = [status for _tip, status in await outbox(tipsbot, anya.user_id)]
    assert statuses == ["sent", "cancelled", "cancelled", "cancelled"]
    clock.advance(timedelta(days=30))
    await anya.expect_no_message(within=0.5)


async def test_feedback_is_recorded(anya: Student, tipsbot: RunningBot, clock: FrozenClock) -> None:
    await finish_quiz_and_subscribe(anya, tipsbot)
    clock.advance(timedelta(minutes=10))
    message = await anya.expect_message()
    tip = tip_of(message)
    answer = await anya.press("👍 Полезно", message=message)
    assert "Спасибо" in str(answer["text"])
    await anya.press("🤷 Не про меня", message=message)
    assert tipsbot.app is not None
    rows = await tipsbot.app.db.fetchall(
        "SELECT tip_id, verdict FROM tip_feedback WHERE user_id = ?", (anya.user_id,)
    )
    assert [(r[0], r[1]) for r in rows] == [(tip, "not_for_me")]


async def test_403_marks_the_user_and_cancels_their_tips(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock, emu: Emulator
) -> None:
    await finish_quiz_and_subscribe(anya, tipsbot)
    emu.add_fault(Fault(kind="403", chat_id=anya.user_id))
    clock.advance(timedelta(minutes=10))
    assert tipsbot.app is not None
    await emu.wait_until(
        lambda: any(f.error_code == 403 for f in emu.failures), description="a 403 reply"
    )
    await anya.expect_no_message(within=0.3)
    blocked = await tipsbot.app.db.fetchval(
        "SELECT blocked_at FROM users WHERE id = ?", (anya.user_id,)
    )
    assert blocked is not None
    assert [status for _tip, status in await outbox(tipsbot, anya.user_id)] == ["cancelled"] * 4


async def test_429_is_waited_out(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock, emu: Emulator
) -> None:
    expected = await finish_quiz_and_subscribe(anya, tipsbot)
    rule = emu.add_fault(Fault(kind="429", chat_id=anya.user_id, times=1, retry_after=1))
    clock.advance(timedelta(minutes=10))
    assert await next_tip(anya, timeout=6) == expected[0]
    assert rule.hits == 1
    await anya.expect_no_message(within=0.3)


async def test_tip_due_during_downtime_is_sent_once_and_stale_ones_are_skipped(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock
) -> None:
    expected = await finish_quiz_and_subscribe(anya, tipsbot)
    await tipsbot.stop()
    clock.advance(timedelta(minutes=10, hours=3))  # the first tip fell due 3 h ago
    await tipsbot.start()
    assert await next_tip(anya) == expected[0]
    await anya.expect_no_message(within=0.5)

    # Due times: T0 + 10 min + 0, 2, 4, 6 days. Down again until tip 3 is 13 h late
    # (beyond the 12 h grace) and tip 2 is 2 days and 13 h late: both are skipped,
    # not dumped on the student at once.
    await tipsbot.stop()
    clock.advance(timedelta(days=4, hours=20))
    await tipsbot.start()
    await anya.expect_no_message(within=0.6)
    statuses = [status for _tip, status in await outbox(tipsbot, anya.user_id)]
    assert statuses == ["sent", "skipped", "skipped", "pending"]
    clock.advance(timedelta(days=1, hours=1))  # tip 4's own time
    assert await next_tip(anya) == expected[3]


async def test_unfinished_quiz_gets_one_reminder(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock
) -> None:
    screen = await begin(anya)
    screen = await advance(anya, screen, best)
    screen = await advance(anya, screen, best)
    clock.advance(timedelta(hours=23))
    await anya.expect_no_message(within=0.4)
    clock.advance(timedelta(hours=2))
    reminder = await anya.expect_message()
    assert "остановились на вопросе 2" in text_of(reminder)
    clock.advance(timedelta(days=3))
    await anya.expect_no_message(within=0.5)
    await anya.press("Продолжить с вопроса 2", message=reminder)
    resumed = await anya.expect_message()
    assert text_of(resumed).startswith("Вопрос 2 из")


async def test_tips_settings_screen(anya: Student, tipsbot: RunningBot, clock: FrozenClock) -> None:
    await anya.send("/start")
    await anya.expect_message()
    await anya.send("/tips")
    screen = await anya.expect_message()
    await anya.press("📬 Получать советы", message=screen)
    subscribed = await anya.expect_edit(screen)
    assert "Статус: включены" in text_of(subscribed)
    await anya.press("🕘 Время", message=subscribed)
    choice = await anya.expect_edit(subscribed)
    await anya.press("17:00–21:00", message=choice)
    saved = await anya.expect_edit(choice)
    assert "17:00–21:00" in text_of(saved)
    await anya.press("🌍 Часовой пояс", message=saved)
    zones = await anya.expect_edit(saved)
    await anya.press("Екатеринбург (МСК+2)", message=zones)
    saved = await anya.expect_edit(zones)
    assert "Екатеринбург" in text_of(saved)
    # Next tip moved into 17-21 Yekaterinburg time (UTC+5): 12:00-16:00 UTC.
    assert tipsbot.app is not None
    due = await tipsbot.app.db.fetchval(
        "SELECT MIN(due_at) FROM tip_outbox WHERE user_id = ? AND status = 'pending'",
        (anya.user_id,),
    )
    assert due is not None
    hour = int(due[11:13])
    assert 12 <= hour < 16
    await anya.press("📅 Как часто", message=saved)
    every = await anya.expect_edit(saved)
    await anya.press("раз в 3 дня", message=every)
    saved = await anya.expect_edit(every)
    assert "раз в 3 дня" in text_of(saved)


async def outbox_settled(path: Path, user_id: int, timeout: float) -> dict[str, int]:
    """Wait until no tip of the student is pending or being sent; their statuses counted."""
    async with asyncio.timeout(timeout):
        while True:
            db = await open_database(path)
            try:
                rows = await db.fetchall(
                    "SELECT status, COUNT(*) FROM tip_outbox WHERE user_id = ? GROUP BY status",
                    (user_id,),
                )
            finally:
                await db.close()
            counts = {row[0]: row[1] for row in rows}
            if counts and not counts.keys() & {"pending", "sending"}:
                return counts
            await asyncio.sleep(0.2)


async def test_kill_and_restart_sends_each_due_tip_exactly_once(
    emu: Emulator, bot_process: Callable[..., BotProcess], tmp_path: Path
) -> None:
    """Every planned tip ends up sent exactly once, or skipped as too late when the
    restart took longer than the grace period: never twice, never lost in 'sending'."""
    env = {
        "TIPS_FIRST_DELAY": "1",
        "TIPS_INTERVAL": "4",
        "TIPS_GRACE": "3",
        "TIPS_WINDOW": "0-24",
        "TIPS_TICK": "PT0.2S",
        "TIPS_COUNT": "3",
    }
    first = bot_process(**env)
    await first.start()
    student = Student(emu, user_id=7002, first_name="Гоша", language_code="ru")
    await agree(student)
    await student.send("/tips")
    screen = await student.expect_message()
    await student.press("📬 Получать советы", message=screen)
    await first.kill()  # before the first tip is due

    second = bot_process(**env)
    await second.start()
    counts = await outbox_settled(tmp_path / "bot.sqlite3", student.user_id, timeout=30)
    await second.kill()
    tips = [tip for m in emu.bot_messages(student.user_id) if (tip := tip_of(m))]
    assert set(counts) <= {"sent", "skipped"}, counts
    assert counts.get("sent", 0) >= 1, "the last tip is due seconds after the restart"
    assert len(tips) == counts["sent"]
    assert len(set(tips)) == len(tips), "a tip arrived twice"


async def test_unsubscribing_during_a_429_pause_stops_the_tip(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock, emu: Emulator
) -> None:
    await finish_quiz_and_subscribe(anya, tipsbot)
    overview = anya.last_message
    assert overview is not None
    emu.add_fault(Fault(kind="429", chat_id=anya.user_id, times=1, retry_after=2))
    clock.advance(timedelta(minutes=10))
    await emu.wait_until(
        lambda: any(f.error_code == 429 for f in emu.failures), description="the 429"
    )
    await anya.press("✖ Отписаться", message=overview)
    await anya.expect_edit(overview)
    await anya.expect_no_message(within=2.5)
    assert [status for _tip, status in await outbox(tipsbot, anya.user_id)] == ["cancelled"] * 4


async def test_shutdown_lets_a_tip_in_flight_finish(
    anya: Student, tipsbot: RunningBot, clock: FrozenClock, emu: Emulator, tmp_path: Path
) -> None:
    await finish_quiz_and_subscribe(anya, tipsbot)
    emu.add_fault(Fault(kind="latency", chat_id=anya.user_id, methods=["sendMessage"], delay=1.0))
    sends = len(emu.calls_to("sendMessage"))
    clock.advance(timedelta(minutes=10))
    await emu.wait_until(
        lambda: len(emu.calls_to("sendMessage")) > sends, description="the tip request"
    )
    await tipsbot.stop()
    db = await open_database(tmp_path / "bot.sqlite3")
    try:
        first = await db.fetchval(
            "SELECT status FROM tip_outbox WHERE user_id = ? ORDER BY position LIMIT 1",
            (anya.user_id,),
        )
    finally:
        await db.close()
    assert first == "sent"


async def test_quiz_reminder_waits_for_the_students_daytime(
    emu: Emulator, tmp_path: Path, clock: FrozenClock
) -> None:
    bot = RunningBot(emu, tmp_path, overrides={**FAST, "tips_window": "10-20"}, clock=clock)
    await bot.start()
    try:
        student = Student(emu, user_id=7003, first_name="Ника", language_code="ru")
        await agree(student)
        screen = await begin(student)
        await advance(student, screen, best)
        clock.advance(timedelta(days=1, hours=10))  # 22:00 in Moscow
        await student.expect_no_message(within=0.5)
        clock.advance(timedelta(hours=12))  # 10:00 in Moscow
        reminder = await student.expect_message()
        assert "остановились на вопросе 1" in text_of(reminder)
    finally:
        await bot.stop()

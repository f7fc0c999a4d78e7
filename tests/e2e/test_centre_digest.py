"""The weekly digest to centre managers, and invites that expire: on a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.emulator import Emulator
from tests.e2e.conftest import RunningBot
from tests.e2e.quiz_walk import calmly
from tests.e2e.test_centres import ADMIN, create_centre, finish_quiz, person, staff_menu
from tests.support import text_of

SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 15:00 in Moscow
MONDAY_MORNING = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, after 09:00
FAST = {"admin_ids": frozenset({ADMIN}), "tips_tick": "PT0.1S"}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SUNDAY)


@pytest.fixture
async def centrebot(emu: Emulator, tmp_path: Path, clock: FrozenClock) -> AsyncIterator[RunningBot]:
    bot = RunningBot(emu, tmp_path, overrides=dict(FAST), clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.mark.timeout(120)
async def test_a_manager_gets_a_digest_on_monday_only_when_there_is_news(
    emu: Emulator, centrebot: RunningBot, clock: FrozenClock
) -> None:
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/start")
    await admin.expect_message()
    code, invite = await create_centre(admin, "Centre Alpha")
    manager = person(emu, 9101, "Marina")
    await manager.send(f"/start {invite}")
    await manager.expect_message()
    for n in range(2):
        await finish_quiz(person(emu, 2000 + n, f"Студент{n}", "ru"), code, "tech", calmly(clock))

    await manager.expect_no_message(within=0.5)  # Sunday: nothing yet
    clock.advance(MONDAY_MORNING - SUNDAY)
    digest = await manager.expect_message()
    text = text_of(digest)
    assert "Weekly digest" in text
    assert "&lt;10" not in text  # escaped for HTML, shown as "<10"
    assert "<10 students finished the quiz since the last one" in text
    assert "Result reliable: <10 · may be inaccurate (careless answering): <10" in text
    assert "Centre Alpha" in text
    assert "Студент" not in text
    await manager.expect_no_message(within=0.5)  # once a week, not once a tick

    # A week with no student finishing: no digest.
    clock.advance(timedelta(days=7))
    await manager.expect_no_message(within=1.0)

    # Turned off, it stays off even when there is news.
    answer = await manager.press("🔕 Turn off the weekly digest", message=digest)
    assert "digest is off" in str(answer.get("text"))
    await finish_quiz(person(emu, 2100, "Студент", "ru"), code, "soft", calmly(clock))
    clock.advance(timedelta(days=7))
    await manager.expect_no_message(within=1.0)


@pytest.mark.timeout(60)
async def test_an_expired_invite_is_refused(
    emu: Emulator, centrebot: RunningBot, clock: FrozenClock
) -> None:
    admin = person(emu, ADMIN, "Admin")
    await admin.send("/start")
    await admin.expect_message()
    _code, invite = await create_centre(admin, "Centre Alpha")
    clock.advance(timedelta(days=7, minutes=1))
    late = person(emu, 9101, "Marina")
    await late.send(f"/start {invite}")
    assert "expired" in text_of(await late.expect_message())
    assert await staff_menu(emu, late.user_id) == set()
    await late.send("/stats")
    # No statistics: asked, like anyone the bot does not know, to read the notice.
    assert "how I handle your data" in text_of(await late.expect_message())

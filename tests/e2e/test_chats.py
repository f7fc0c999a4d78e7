"""Outside private chats: a group gets a link to a private chat on /start and nothing
else; senders marked as bots and channel posts never reach a student handler."""

from __future__ import annotations

import logging

import pytest

from bot.db.attempts import AttemptsRepo
from bot.emulator import Emulator, Student
from tests.e2e.conftest import RunningBot, agree
from tests.e2e.quiz_walk import next_screen, step_of
from tests.support import text_of

GROUP = -1001234567890
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


async def user_rows(running: RunningBot) -> int:
    assert running.app is not None
    return int(await running.app.db.fetchval("SELECT COUNT(*) FROM users"))


async def settle(emu: Emulator, running: RunningBot) -> None:
    """Until every injected update was fetched and handled (a private reply is the marker)."""
    marker = Student(emu, user_id=3999, first_name="Маркер", language_code="ru")
    await agree(marker)
    assert running.app is not None
    await running.app.inflight.drain(5)


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_start_in_a_group_links_to_a_private_chat(
    emu: Emulator, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    emu.add_group(GROUP, title="Карьерный центр", added_by=3001)
    await emu.send_group_text(GROUP, "/start", user_id=3001)
    (reply,) = await emu.wait_bot_messages(GROUP)
    assert "в личном чате" in text_of(reply)
    assert [b.url for row in reply.buttons for b in row] == ["https://t.me/careerbot_test_bot"]
    await settle(emu, running)
    assert await user_rows(running) == 1, "only the marker, who wrote privately, is recorded"
    assert failures(caplog) == []


async def test_group_chatter_bot_senders_and_channel_posts_are_left_alone(
    emu: Emulator, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    emu.add_group(GROUP, title="Поток 2026", added_by=3001)
    await emu.send_group_text(GROUP, "всем привет", user_id=3001)
    await emu.send_group_text(GROUP, "/quiz", user_id=3001)
    await emu.send_group_text(GROUP, "пост от имени канала", sender=CHANNEL_BOT)
    await emu.send_group_text(GROUP, "/start", sender=ANONYMOUS_ADMIN)
    emu.inject_update(
        "channel_post",
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": -1009876, "type": "channel", "title": "Новости"},
            "text": "/start",
        },
    )
    # A private message whose sender is marked as a bot (Telegram never sends one, but a
    # proxy or a test server might): no `user` is loaded, and no handler may need one.
    emu.inject_update(
        "message",
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 3002, "type": "private", "first_name": "Бот"},
            "from": {"id": 3002, "is_bot": True, "first_name": "Бот"},
            "text": "/start",
        },
    )
    await settle(emu, running)
    replies = emu.bot_messages(GROUP)
    # The anonymous admin's /start gets the link like anyone's; nothing else is answered.
    assert len(replies) == 1
    assert "в личном чате" in text_of(replies[0])
    assert await user_rows(running) == 1
    assert failures(caplog) == []


async def test_a_quiz_button_pressed_in_a_group_is_not_an_answer(
    emu: Emulator, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Answer buttons have their own router at the top of the tree: it still takes
    presses in a private chat only. A forged press of a student's live question, sent
    from a group by that very student, records nothing."""
    student = Student(emu, user_id=3003, first_name="Аня", language_code="ru")
    await agree(student)
    await student.press("Пройти тест")
    await student.expect_message()  # the quiz's introduction
    screen = await next_screen(student)
    data = step_of(screen)
    assert data is not None
    emu.add_group(GROUP, title="Поток 2026", added_by=student.user_id)
    posted = await emu.send_group_text(GROUP, "вопрос", user_id=student.user_id)
    emu.inject_update(
        "callback_query",
        {
            "id": "forged-in-a-group",
            "from": {"id": student.user_id, "is_bot": False, "first_name": "Аня"},
            "chat_instance": "group",
            "message": posted.to_api(),
            "data": data.pack(),
        },
    )
    await settle(emu, running)
    assert running.app is not None
    attempt = await AttemptsRepo(running.app.db).active(student.user_id, "support_role")
    assert attempt is not None
    assert (attempt.step, attempt.current_node) == (data.step, data.node)
    assert emu.bot_messages(GROUP) == []
    assert failures(caplog) == []

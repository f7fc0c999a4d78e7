"""Bad input, stale and forged buttons, double taps, restarts: nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.db.attempts import AttemptsRepo
from bot.emulator import Emulator, EmuMessage, Student
from handlers.quiz.callbacks import Act, QuizCb, ResultCb
from tests.e2e.conftest import BotProcess, MakeStudent, RunningBot, agree
from tests.e2e.quiz_walk import (
    advance,
    best,
    next_screen,
    press_act,
    press_data,
    step_of,
    walk,
)
from tests.e2e.test_quiz_flow import begin
from tests.support import text_of

STALE = "Этот вопрос уже неактуален."


def repo(running: RunningBot) -> AttemptsRepo:
    assert running.app is not None
    return AttemptsRepo(running.app.db)


async def answer_count(running: RunningBot, user_id: int) -> int:
    assert running.app is not None
    return int(
        await running.app.db.fetchval(
            "SELECT COUNT(*) FROM answers JOIN attempts ON attempts.id = attempt_id"
            " WHERE user_id = ? AND undone_at IS NULL",
            (user_id,),
        )
    )


async def at_first_question(student: Student) -> EmuMessage:
    screen = await begin(student)
    return await advance(student, screen, best)


async def test_free_text_and_media_get_a_reminder_and_the_question_again(
    student: Student, running: RunningBot
) -> None:
    screen = await at_first_question(student)
    before = await answer_count(running, student.user_id)
    data = step_of(screen)

    sends: tuple[Callable[[], Awaitable[EmuMessage]], ...] = (
        lambda: student.send("я думаю, второй вариант"),
        student.send_sticker,
        student.send_photo,
        student.send_voice,
        lambda: student.send("ы" * 4096),
    )
    for send in sends:
        await send()
        reminder, again = await student.expect_messages(2)
        assert "отвечайте кнопками" in text_of(reminder)
        assert step_of(again) == data
    assert await answer_count(running, student.user_id) == before


async def test_unknown_command_during_the_quiz_gets_a_hint(student: Student) -> None:
    await at_first_question(student)
    await student.send("/dance")
    assert "Такой команды я не знаю" in text_of(await student.expect_message())


async def test_old_button_is_answered_and_changes_nothing(
    student: Student, running: RunningBot
) -> None:
    screen = await at_first_question(student)
    old = step_of(screen)
    assert old is not None
    stale_press = old.model_copy(update={"option": "b"})
    await advance(student, screen, best)
    before = await answer_count(running, student.user_id)

    answer = await press_data(student, screen, stale_press)

    assert answer["text"] == STALE
    assert await answer_count(running, student.user_id) == before
    await student.expect_no_message(within=0.3)


async def test_button_of_a_finished_attempt_is_stale(student: Student, running: RunningBot) -> None:
    screen = await at_first_question(student)
    pinned = step_of(screen)
    assert pinned is not None
    await walk(student, screen, best)
    answer = await press_data(student, screen, pinned)
    assert answer["text"] == STALE
    assert await repo(running).active(student.user_id, "support_role") is None


async def test_forged_callbacks_are_refused(make_student: MakeStudent, running: RunningBot) -> None:
    alice = await make_student(5001, "Алиса")
    mallory = await make_student(5002, "Мэллори")
    alice_screen = await at_first_question(alice)
    mallory_screen = await at_first_question(mallory)
    alice_step = step_of(alice_screen)
    assert alice_step is not None
    before = await answer_count(running, alice.user_id)

    # Mallory presses, on her own message, a button carrying Alice's attempt.
    answer = await press_data(mallory, mallory_screen, alice_step)
    assert answer["text"] == STALE
    # Ids that never existed.
    ghost = QuizCb(act=Act.ANSWER, attempt=99999, step=0, node="q_angry", option="a")
    assert (await press_data(mallory, mallory_screen, ghost))["text"] == STALE
    # An option the question does not have.
    own = step_of(mallory_screen)
    assert own is not None
    bogus = own.model_copy(update={"option": "zz"})
    assert (await press_data(mallory, mallory_screen, bogus))["text"] == STALE

    assert await answer_count(running, alice.user_id) == before
    assert step_of(alice_screen) == alice_step  # Alice's question is untouched
    await alice.expect_no_message(within=0.2)


async def test_concurrent_double_taps_record_exactly_one_answer(
    student: Student, running: RunningBot, emu: Emulator
) -> None:
    screen = await at_first_question(student)
    data = step_of(screen)
    assert data is not None
    before = await answer_count(running, student.user_id)
    other = data.model_copy(update={"option": "b" if data.option != "b" else "c"})

    queries = await asyncio.gather(
        *(emu.press(student.user_id, screen.message_id, d.pack()) for d in (data, data, other))
    )
    answers = [await emu.wait_callback_answer(q) for q in queries]

    assert sum(1 for a in answers if a.get("text") == STALE) == 2
    assert await answer_count(running, student.user_id) == before + 1
    nxt = await next_screen(student)
    step = step_of(nxt)
    assert step is not None
    assert step.step == data.step + 1
    await student.expect_no_message(within=0.3)


async def test_quiz_file_changed_since_the_attempt_began(
    student: Student, running: RunningBot
) -> None:
    screen = await at_first_question(student)
    await advance(student, screen, best)
    assert running.app is not None
    await running.app.db.execute(
        "UPDATE attempts SET quiz_version = quiz_version - 1 WHERE user_id = ?",
        (student.user_id,),
    )
    await student.send("/quiz")
    told = await student.expect_message()
    assert "тест обновился" in text_of(told)
    await student.expect_message()  # the intro
    fresh = await next_screen(student)
    data = step_of(fresh)
    assert data is not None
    assert (data.node, data.step) == ("welcome", 0)
    statuses = await running.app.db.fetchall(
        "SELECT status FROM attempts WHERE user_id = ? ORDER BY id", (student.user_id,)
    )
    assert [row[0] for row in statuses] == ["outdated", "active"]


async def test_kill_and_restart_in_the_middle_of_an_attempt(
    emu: Emulator, bot_process: Callable[..., BotProcess]
) -> None:
    first = bot_process()
    await first.start()
    student = Student(emu, user_id=6001, first_name="Рита", language_code="ru")
    await agree(student)
    screen = await begin(student)
    for _ in range(4):  # welcome + three questions
        screen = await advance(student, screen, best)
    pinned = step_of(screen)
    assert pinned is not None
    await first.kill()

    second = bot_process()
    await second.start()

    await student.send("/start")
    offer = await student.expect_message()
    assert "Продолжить с вопроса 4" in offer.button_texts
    await student.press("Продолжить с вопроса 4")
    resumed = await next_screen(student)
    assert step_of(resumed) == pinned
    # The button of the message shown before the kill still works, exactly once.
    answer = await press_data(student, screen, pinned)
    assert answer.get("text") in (None, "")
    nxt = await next_screen(student)
    step = step_of(nxt)
    assert step is not None
    assert step.step == pinned.step + 1
    assert (await press_data(student, resumed, pinned))["text"] == STALE
    await second.kill()


async def test_button_of_an_old_quiz_version_starts_over_cleanly(
    student: Student, running: RunningBot
) -> None:
    screen = await at_first_question(student)
    assert running.app is not None
    await running.app.db.execute(
        "UPDATE attempts SET quiz_version = quiz_version - 1 WHERE user_id = ?",
        (student.user_id,),
    )
    data = step_of(screen)
    assert data is not None
    before = await answer_count(running, student.user_id)
    await press_data(student, screen, data)
    told = await student.expect_message()
    assert "тест обновился" in text_of(told)
    await student.expect_message()  # the intro
    fresh = step_of(await next_screen(student))
    assert fresh is not None
    assert (fresh.node, fresh.step) == ("welcome", 0)
    assert await answer_count(running, student.user_id) == before  # the press recorded nothing


async def test_someone_elses_result_is_not_shown(make_student: MakeStudent, emu: Emulator) -> None:
    alice = await make_student(5101, "Алиса")
    mallory = await make_student(5102, "Мэллори")
    await walk(alice, await at_first_question(alice), best)
    await mallory.send("/results")
    listing = await mallory.expect_message()
    assert "нет пройденных" in text_of(listing)
    # Mallory forges the result button of Alice's attempt (id 1).
    query = await emu.press(mallory.user_id, listing.message_id, ResultCb(attempt=1).pack())
    answer = await emu.wait_callback_answer(query)
    assert answer["text"] == "Этот результат недоступен."
    await mallory.expect_no_message(within=0.3)


async def test_a_failing_handler_still_answers_the_student(
    student: Student, running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = await at_first_question(student)
    data = step_of(screen)
    assert data is not None
    assert running.app is not None
    service = running.app.dispatcher.workflow_data["quiz_service"]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(service, "answer", broken)
    answer = await press_data(student, screen, data)
    assert (
        answer["text"] == "Простите, у меня что-то пошло не так. Попробуйте ещё раз через минуту."
    )
    assert answer["show_alert"] is True

    await student.send("/quiz")  # a message path that fails too
    monkeypatch.setattr(service, "current", broken)
    await student.send("/quiz")
    replies = await student.expect_messages(2)
    assert "пошло не так" in text_of(replies[-1])


@pytest.mark.parametrize(
    "data",
    [
        "r:9223372036854775808",  # above SQLite's integer range
        "r:-1",
        "r:x",
        "q:a:9223372036854775808:0:q_angry:a",
        "q:a:1:99999999999999999999:q_angry:a",
        "t:bogus:tip",
        "ts:every:999",
        "lang:de",
    ],
)
async def test_malformed_callback_data_is_a_stale_button(
    student: Student, running: RunningBot, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    screen = await at_first_question(student)
    query = await student.emu.press(student.user_id, screen.message_id, data)
    answer = await student.emu.wait_callback_answer(query)
    assert answer["text"] == "Эта кнопка уже неактуальна."
    await student.expect_no_message(within=0.3)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def live_quiz_messages(student: Student) -> list[EmuMessage]:
    """Bot messages that still carry quiz answer buttons."""
    return [m for m in student.emu.bot_messages(student.user_id) if not m.deleted and step_of(m)]


async def test_pause_holds_until_the_student_asks_to_go_on(student: Student) -> None:
    screen = await at_first_question(student)
    data = step_of(screen)
    await press_act(student, screen, Act.PAUSE)
    paused = await student.expect_message()
    assert "на паузе" in text_of(paused)
    assert live_quiz_messages(student) == []
    for text in ("привет", "а что дальше?"):
        await student.send(text)
        reply = await student.expect_message()
        assert "на паузе" in text_of(reply)
        assert reply.buttons == []
        await student.expect_no_message(within=0.3)
    assert live_quiz_messages(student) == []
    await student.send("/quiz")
    again = await student.expect_message()
    assert step_of(again) == data
    assert [m.message_id for m in live_quiz_messages(student)] == [again.message_id]


async def test_stray_messages_leave_one_live_copy_of_the_question(student: Student) -> None:
    await at_first_question(student)
    for text in ("раз", "два", "три"):
        await student.send(text)
        await student.expect_messages(2)
    live = live_quiz_messages(student)
    assert len(live) == 1
    assert live[0].message_id == student.last_message.message_id  # type: ignore[union-attr]

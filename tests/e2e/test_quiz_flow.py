"""Taking the support-role quiz in Telegram, start to finish, as a student would."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.db.attempts import AttemptsRepo
from bot.emulator import Emulator, EmuMessage, Fault, Student
from handlers.quiz import results
from handlers.quiz.callbacks import Act
from tests.e2e.conftest import MakeStudent, RunningBot, agree, both_transports
from tests.e2e.quiz_walk import (
    QUIZ,
    advance,
    best,
    calmly,
    is_result,
    next_screen,
    press_act,
    quiz_buttons,
    step_of,
    walk,
    with_track,
    worst,
)
from tests.support import text_of


def repo(running: RunningBot) -> AttemptsRepo:
    assert running.app is not None
    return AttemptsRepo(running.app.db)


async def live_answers(running: RunningBot, attempt_id: int) -> list[tuple[str, str]]:
    snapshot = await repo(running).snapshot(attempt_id=attempt_id)
    assert snapshot is not None
    return snapshot[1]


async def begin(student: Student) -> EmuMessage:
    """/start, then the "Take the quiz" button: returns the first step."""
    await student.send("/start")
    await student.expect_message()
    await student.press("Пройти тест")
    intro = await student.expect_message()
    assert text_of(intro).startswith(QUIZ.title.get("ru"))
    return await next_screen(student)


@both_transports
async def test_tech_track_start_to_finish(
    student: Student, running: RunningBot, emu: Emulator
) -> None:
    first = await begin(student)
    assert step_of(first) is not None
    assert text_of(first).startswith(QUIZ.node("welcome").text.get("ru").strip()[:40])

    result, visited = await walk(student, first, with_track("tech"))

    questions = [n for n in visited if QUIZ.node(n).kind == "question"]
    assert "t_debug" in visited
    assert "c_explain" not in visited
    assert 24 <= len(questions) <= 26
    assert "🎯" in text_of(result)
    assert "Рекомендуемое направление" in text_of(result)
    assert len(text_of(result)) <= 950, "the first screen fits a phone"
    # Answered far faster than anyone reads: the result says it may be inaccurate.
    assert "Результат может быть неточным" in text_of(result)
    assert "быстрее, чем можно прочитать вопрос" in text_of(result)
    await student.press("💰 Зарплата и рост")
    pay = await student.expect_message()
    assert "25 000–100 000 ₽" in text_of(pay)
    photos = [m for m in emu.bot_messages(student.user_id) if m.photo]
    assert len(photos) == 1
    assert photos[0].file_bytes is not None
    assert photos[0].file_bytes.startswith(b"\x89PNG")
    attempts = await repo(running).finished(student.user_id)
    assert len(attempts) == 1
    assert attempts[0].profile is not None
    assert "too_fast" in attempts[0].profile["flags"]
    assert len(await live_answers(running, attempts[0].id)) == len(visited)


async def test_a_calm_walk_is_trusted_and_the_same_answers_rushed_are_flagged(
    emu: Emulator, tmp_path: Path
) -> None:
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    bot = RunningBot(emu, tmp_path, clock=clock)
    await bot.start()
    try:
        calm = Student(emu, user_id=1001, first_name="Аня", language_code="ru")
        hasty = Student(emu, user_id=1002, first_name="Боря", language_code="ru")
        await agree(calm)
        await agree(hasty)
        read, _visited = await walk(calm, await begin(calm), with_track("tech"), pace=calmly(clock))
        assert "🎯" in text_of(read)
        assert "неточным" not in text_of(read)
        assert "⚠️" not in text_of(read)
        rushed, _visited = await walk(hasty, await begin(hasty), with_track("tech"))
        assert "Результат может быть неточным" in text_of(rushed)
        assert "быстрее, чем можно прочитать вопрос" in text_of(rushed)
        (trusted,) = await repo(bot).finished(calm.user_id)
        (flagged,) = await repo(bot).finished(hasty.user_id)
    finally:
        await bot.stop()
    assert trusted.profile is not None
    assert flagged.profile is not None
    assert trusted.profile["flags"] == []
    assert flagged.profile["flags"] == ["too_fast"]
    # The same answers: only the pace tells the two apart.
    assert trusted.profile["scores"] == flagged.profile["scores"]
    assert trusted.profile["band"] == flagged.profile["band"]


async def test_software_support_interest_goes_the_technical_way(student: Student) -> None:
    first = await begin(student)
    result, visited = await walk(student, first, with_track("soft"))
    assert "t_debug" in visited
    assert "c_explain" not in visited
    assert "Рекомендуемое направление" in text_of(result)


async def test_communication_track_start_to_finish(student: Student) -> None:
    first = await begin(student)
    result, visited = await walk(student, first, with_track("comm"))
    assert "c_explain" in visited
    assert "t_debug" not in visited
    assert "Рекомендуемое направление" in text_of(result)


async def test_weak_technical_answers_are_sent_to_the_communication_track(
    student: Student,
) -> None:
    first = await begin(student)
    _result, visited = await walk(student, first, with_track("tech", worst))
    assert "t_debug" in visited
    assert "c_feedback" in visited, "the score rule re-routes a weak technical student"


PROGRESS = re.compile(r"Вопрос (\d+) из (\d+)(?:–(\d+))?")


@pytest.mark.parametrize("track", ["tech", "comm"])
async def test_progress_never_jumps_outside_what_it_showed(student: Student, track: str) -> None:
    """ "Вопрос 7 из 13–15" narrows to the real count; it never says one total, then another."""
    screen = await begin(student)
    screen = await advance(student, screen, best)  # past the welcome info node
    assert text_of(screen).startswith("Вопрос 1 из 24–26")
    seen: list[tuple[int, int, int]] = []
    while not is_result(screen):
        match = PROGRESS.match(text_of(screen))
        if match:
            number, fewest, most = match.group(1, 2, 3)
            seen.append((int(number), int(fewest), int(most or fewest)))
        screen = await advance(student, screen, with_track(track, worst))
    numbers = [number for number, _fewest, _most in seen]
    assert numbers == list(range(1, len(seen) + 1))
    for (_n, fewest, most), (_m, later_fewest, later_most) in itertools.pairwise(seen):
        assert fewest <= later_fewest <= later_most <= most
    assert seen[-1][1] == seen[-1][2] == len(seen), "the last question knows the real total"


async def test_explanations_wait_for_the_review_after_the_result(student: Student) -> None:
    screen = await begin(student)
    for _ in range(3):
        screen = await advance(student, screen, best)  # welcome, s_routine, s_same_q
    question = screen  # q_angry
    assert step_of(question).node == "q_angry"  # type: ignore[union-attr]
    node = QUIZ.node("q_angry")
    chosen = best(node)  # type: ignore[arg-type]
    screen = await advance(student, question, best)
    answered = student.emu.get_message(student.user_id, question.message_id)
    assert "Ваш ответ:" in text_of(answered)
    assert "💡" not in text_of(answered), "no hint during the quiz"
    await walk(student, screen, best)
    await student.press("🔍 Разбор ответов")
    review = await student.expect_message()
    assert "Разбор ваших ответов" in text_of(review)
    explanation = node.explanation_for(chosen)  # type: ignore[union-attr]
    assert explanation is not None
    assert explanation.get("ru").strip()[:30] in text_of(review)


def option_order(message: EmuMessage) -> list[str]:
    return [data.option for _text, data in quiz_buttons(message) if data.act == Act.ANSWER]


async def test_shuffled_options_survive_back_and_resume(student: Student) -> None:
    screen = await begin(student)
    for _ in range(3):
        screen = await advance(student, screen, best)  # on to q_angry
    assert step_of(screen).node == "q_angry"  # type: ignore[union-attr]
    order = option_order(screen)
    assert sorted(order) == ["a", "b", "c", "d"]
    after = await advance(student, screen, best)
    await press_act(student, after, Act.BACK)
    edited = await student.expect_edit(after)
    assert step_of(edited).node == "q_angry"  # type: ignore[union-attr]
    assert option_order(edited) == order
    await student.send("/start")
    await student.expect_message()
    await student.press("Продолжить с вопроса 3")
    resumed = await next_screen(student)
    assert option_order(resumed) == order


@both_transports
async def test_back_undoes_the_last_answer(student: Student, running: RunningBot) -> None:
    screen = await begin(student)
    angry = await advance(student, screen, best)  # s_routine
    screen = await advance(student, angry, best)  # s_same_q
    record = student.emu.get_message(student.user_id, angry.message_id)
    assert "Ваш ответ:" in text_of(record)  # the answer and its explanation stay as a record
    data = step_of(screen)
    assert data is not None
    assert data.node == "s_same_q"
    await press_act(student, screen, Act.BACK)
    edited = await student.expect_edit(screen)
    # The undone answer and its explanation leave the chat: only the question is asked again.
    assert student.emu.get_message(student.user_id, angry.message_id).deleted
    live = [m for m in student.emu.bot_messages(student.user_id) if not m.deleted]
    assert not any("Ваш ответ:" in m.text for m in live if m.text)
    back_at = step_of(edited)
    assert back_at is not None
    assert back_at.node == "s_routine"
    assert text_of(edited).startswith("Вопрос 1 из")
    attempt = await repo(running).active(student.user_id, "support_role")
    assert attempt is not None
    assert await live_answers(running, attempt.id) == [("welcome", "continue")]
    # Forward again from the restored question.
    nxt = await advance(student, edited, best)
    step = step_of(nxt)
    assert step is not None
    assert step.node == "s_same_q"


@both_transports
async def test_pause_and_resume_with_quiz_command(student: Student) -> None:
    screen = await begin(student)
    screen = await advance(student, screen, best)
    screen = await advance(student, screen, best)
    before = step_of(screen)  # messages are edited in place: read the state now
    await press_act(student, screen, Act.PAUSE)
    paused = await student.expect_message()
    assert "на паузе на вопросе 2" in text_of(paused)
    assert screen.buttons == [], "the paused question loses its buttons"
    await student.send("/quiz")
    again = await next_screen(student)
    assert text_of(again).startswith("Вопрос 2 из")
    assert step_of(again) == before


@both_transports
async def test_start_in_the_middle_offers_continue_or_restart(
    student: Student, running: RunningBot
) -> None:
    screen = await begin(student)
    screen = await advance(student, screen, best)
    screen = await advance(student, screen, best)
    before = step_of(screen)
    await student.send("/start")
    offer = await student.expect_message()
    assert "незаконченный тест" in text_of(offer)
    assert "Продолжить с вопроса 2" in offer.button_texts
    await student.press("Продолжить с вопроса 2")
    resumed = await next_screen(student)
    assert step_of(resumed) == before

    await student.send("/start")
    await student.expect_message()
    await student.press("Начать заново")
    await student.expect_message()  # the intro
    fresh = await next_screen(student)
    data = step_of(fresh)
    assert data is not None
    assert data.node == "welcome"
    assert data.step == 0
    statuses = await running.app.db.fetchall(  # type: ignore[union-attr]
        "SELECT status FROM attempts WHERE user_id = ? ORDER BY id", (student.user_id,)
    )
    assert [row[0] for row in statuses] == ["abandoned", "active"]


async def test_results_history_and_retake_shows_the_change(student: Student) -> None:
    first = await begin(student)
    await walk(student, first, with_track("comm", worst))
    await student.press("🔁 Пройти заново")
    await student.expect_message()
    second = await next_screen(student)
    await walk(student, second, with_track("comm", best))
    await student.press("📈 Изменения")
    change = await student.expect_message()
    assert "По сравнению с прошлым разом" in text_of(change)
    assert "↑" in text_of(change)

    await student.send("/results")
    listing = await student.expect_message()
    assert "Ваши результаты" in text_of(listing)
    assert len(listing.button_texts) == 2
    await student.press(listing.button_texts[-1])  # the older attempt
    messages = await student.expect_messages(2)
    assert messages[0].photo is not None
    assert is_result(messages[1])


async def test_english_student_takes_the_quiz_in_english(
    make_student: MakeStudent,
) -> None:
    john = await make_student(4242, "John", "en")
    await john.send("/start")
    await john.expect_message()
    await john.press("Take the quiz")
    intro = await john.expect_message()
    assert text_of(intro).startswith(QUIZ.title.get("en"))
    screen = await next_screen(john)
    screen = await advance(john, screen, best)
    assert text_of(screen).startswith("Question 1 of 24–26")
    assert QUIZ.node("s_routine").text.get("en").strip()[:30] in text_of(screen)


async def test_language_command_switches_quiz_language(student: Student) -> None:
    await student.send("/language")
    await student.expect_message()
    await student.press("🇬🇧 English")
    done = await student.expect_message()
    assert done.text == "Done: I will speak English with you now."
    await student.send("/quiz")
    await student.expect_message()  # intro
    screen = await next_screen(student)
    assert "Let's start" in " ".join(screen.button_texts)
    assert student.emu.commands(scope={"type": "chat", "chat_id": student.user_id})


async def test_share_and_tips_buttons(student: Student, running: RunningBot) -> None:
    first = await begin(student)
    result, _ = await walk(student, first, best)
    share = [b.url for row in result.buttons for b in row if b.url]
    assert share
    assert "t.me/share/url" in share[0]
    assert "careerbot_test_bot%3Fstart%3Dshare" in share[0]
    answer = await student.press("📬 Получать советы")
    overview = await student.expect_message()
    assert "Советы по развитию" in text_of(overview)
    when = re.search(r"Следующий совет: (\d\d\.\d\d \d\d:\d\d)", text_of(overview))
    assert when is not None, overview.text
    assert str(answer["text"]) == f"Готово, вы подписаны! Первый совет: {when.group(1)}."
    assert running.app is not None
    status = await running.app.db.fetchval(
        "SELECT status FROM tip_subscriptions WHERE user_id = ?", (student.user_id,)
    )
    assert status == "active"


async def test_a_failed_record_of_the_answer_still_shows_the_next_step(
    student: Student, running: RunningBot, emu: Emulator
) -> None:
    """The pressed step loses its buttons while the next one is sent, at the same time:
    when the first request fails, the next step still arrives, and the press is answered
    with the apology once both are done."""
    first = await begin(student)
    data = step_of(first)
    assert data is not None
    emu.add_fault(
        Fault(kind="500", chat_id=student.user_id, methods={"editMessageReplyMarkup"}, times=1)
    )
    answer = await press_act(student, first, Act.CONTINUE)
    assert answer["show_alert"] is True
    assert "что-то пошло не так" in str(answer["text"])
    following = await next_screen(student)
    moved = step_of(following)
    assert moved is not None
    assert moved.step == data.step + 1
    assert any(f.error_code == 500 for f in emu.failures)


async def test_each_press_is_answered_once_and_the_new_question_is_remembered(
    student: Student, running: RunningBot, emu: Emulator
) -> None:
    """A press is answered as soon as what it shows was sent, while the new question's
    message is remembered: still once, and the attempt knows which message is live."""
    screen = await begin(student)
    assert running.app is not None
    for _ in range(4):
        screen = await advance(student, screen, best)
        assert await running.app.inflight.drain(5.0)  # the press's handler returned
        attempt = await repo(running).active(student.user_id, "support_role")
        assert attempt is not None
        assert attempt.message_id == screen.message_id
    answered = [call.params["callback_query_id"] for call in emu.calls_to("answerCallbackQuery")]
    assert len(answered) == len(set(answered))
    assert len(answered) >= 5  # the notice's button and the four answers, at least
    # The remembered message is the one a resumed quiz takes the buttons from.
    current = step_of(screen)
    assert current is not None
    await student.send("/quiz")
    again = await student.expect_message()
    assert step_of(again) == current
    assert step_of(screen) is None
    live = [m for m in emu.bot_messages(student.user_id) if not m.deleted and step_of(m)]
    assert [m.message_id for m in live] == [again.message_id]


async def test_a_press_whose_answer_fails_still_remembers_the_new_question(
    student: Student, running: RunningBot, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Answering the press and remembering the question shown go at the same time: when
    the answer fails, the question is remembered all the same and the failure logged."""
    first = await begin(student)
    data = step_of(first)
    assert data is not None
    assert running.app is not None
    emu.add_fault(
        Fault(kind="500", chat_id=student.user_id, methods={"answerCallbackQuery"}, times=1)
    )
    with caplog.at_level(logging.WARNING):
        await emu.press(student.user_id, first.message_id, data.pack())
        following = await next_screen(student)
        assert await running.app.inflight.drain(5.0)
    attempt = await repo(running).active(student.user_id, "support_role")
    assert attempt is not None
    assert attempt.message_id == following.message_id
    assert any("answering it failed" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_chart_that_fails_to_draw_still_leaves_the_result(
    student: Student,
    running: RunningBot,
    emu: Emulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The chart is drawn while the result's text is made: when drawing fails, the text
    and its buttons still arrive, without a picture, and the failure is logged."""

    def broken(*args: object, **kwargs: object) -> asyncio.Future[bytes]:
        picture: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        picture.set_exception(RuntimeError("the drawing process is out of ink"))
        return picture

    monkeypatch.setattr(results, "drawing", broken)
    first = await begin(student)
    with caplog.at_level(logging.ERROR):
        result, _ = await walk(student, first, with_track("tech"))
    assert "Рекомендуемое направление" in text_of(result)
    assert "💰 Зарплата и рост" in [b.text for row in result.buttons for b in row]
    assert not [m for m in emu.bot_messages(student.user_id) if m.photo]
    assert any("result chart failed to render" in r.getMessage() for r in caplog.records)
    attempts = await repo(running).finished(student.user_id)
    assert len(attempts) == 1

"""A student's personal data end to end: consent first (nothing stored before it),
then the quiz; /privacy, /my_data, /delete_me; a changed notice; staff invites; and the
retention job on a frozen clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.emulator import Emulator, Student
from tests.e2e.conftest import AGREE, RunningBot, agree
from tests.e2e.quiz_walk import best, next_screen, press_data, step_of, walk, with_track
from tests.e2e.test_centres import ADMIN, START_LINK
from tests.support import rows_about, text_of

KSENIA = 777_000_111  # an id no other number in these tests can equal
NAME = "Ксенофонта"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def database(running: RunningBot) -> Database:
    assert running.app is not None
    return running.app.db


@pytest.fixture
async def privbot(emu: Emulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(
        emu,
        tmp_path,
        overrides={
            "admin_ids": frozenset({ADMIN}),
            "operator_name": "ФГБОУ ВО «Университет», центр карьеры",
            "operator_contacts": "privacy@university.example",
            "privacy_policy_url": "https://university.example/privacy",
        },
        clock=FrozenClock(T0),
    )
    async with bot:
        yield bot


@pytest.fixture
def ksenia(emu: Emulator, privbot: RunningBot) -> Student:
    return Student(emu, user_id=KSENIA, first_name=NAME, username="ksenia_k", language_code="ru")


async def take_the_quiz(student: Student) -> None:
    await student.press("Пройти тест")
    result, _visited = await walk(student, await next_screen(student), with_track("tech", best))
    assert "🎯" in text_of(result)


@pytest.mark.timeout(120)
async def test_consent_comes_first_and_nothing_is_stored_before_it(
    ksenia: Student, privbot: RunningBot, emu: Emulator
) -> None:
    app = privbot.app
    assert app is not None
    centre = await app.services.centres.create("Центр «Альфа»", ADMIN)

    await ksenia.send(f"/start {centre.code}")
    notice = await ksenia.expect_message()
    text = text_of(notice)
    assert "Ваши персональные данные" in text
    assert "ФГБОУ ВО «Университет», центр карьеры" in text
    assert "privacy@university.example" in text
    assert "https://university.example/privacy" in text
    assert "730 дней" in text
    assert "не менее чем по 10 студентам" in text
    assert notice.button_texts == [AGREE["ru"]]

    # Whatever she does before agreeing is answered, and not written down.
    for attempt in ("/quiz", "Хочу пройти тест, меня зовут Ксения", "/language", "/tips"):
        await ksenia.send(attempt)
        first, again = await ksenia.expect_messages(2)
        assert "дайте согласие" in text_of(first)
        assert again.button_texts == [AGREE["ru"]]
    answer = await emu.wait_callback_answer(
        await emu.press(KSENIA, notice.message_id, "q:a:1:0:welcome:a")
    )
    assert "/start" in str(answer.get("text"))
    await ksenia.send("/my_data")
    assert "ничего о вас не храню" in text_of(await ksenia.expect_message())
    await ksenia.send("/help")
    assert "/delete_me" in text_of(await ksenia.expect_message())
    assert await rows_about(database(privbot), KSENIA, NAME, "ksenia_k", "Ксения") == []

    # Agree on the first notice: the centre's code came along in the button.
    agree_data = notice.buttons[0][0].callback_data
    assert agree_data is not None
    assert agree_data.endswith(centre.code)
    await ksenia.press(AGREE["ru"], message=notice)
    greeting = await ksenia.expect_message()
    assert text_of(greeting).startswith(f"Привет, {NAME}!")
    assert "Центр «Альфа»" in text_of(greeting)
    assert notice.button_texts == []  # the button is gone once pressed
    db = database(privbot)
    user = await db.fetchone("SELECT centre_id, source FROM users WHERE id = ?", (KSENIA,))
    assert user is not None
    assert tuple(user) == (centre.id, centre.code)
    consent = await db.fetchone(
        "SELECT version, locale, agreed_at FROM consents WHERE user_id = ?", (KSENIA,)
    )
    assert consent is not None
    assert tuple(consent) == (app.services.privacy.version, "ru", "2026-11-23 09:00:00")
    shown = await db.fetchval(
        "SELECT text FROM consent_notices WHERE version = ? AND locale = 'ru'", (consent[0],)
    )
    assert "privacy@university.example" in shown

    # A doubled press changes nothing.
    answer = await emu.wait_callback_answer(await emu.press(KSENIA, notice.message_id, agree_data))
    assert answer.get("text") == "Вы уже дали согласие."
    await ksenia.expect_no_message(within=0.3)
    assert await db.fetchval("SELECT COUNT(*) FROM consents") == 1

    await take_the_quiz(ksenia)


@pytest.mark.timeout(120)
async def test_my_data_holds_the_answers_and_delete_me_leaves_no_row(
    ksenia: Student, privbot: RunningBot
) -> None:
    await agree(ksenia)
    await take_the_quiz(ksenia)
    await ksenia.send("/tips")
    await ksenia.press("📬 Получать советы", message=await ksenia.expect_message())
    db = database(privbot)
    answers = await db.fetchval(
        "SELECT COUNT(*) FROM answers JOIN attempts ON attempts.id = answers.attempt_id"
        " WHERE attempts.user_id = ?",
        (KSENIA,),
    )
    assert answers > 10

    await ksenia.send("/privacy")
    shown, agreed = await ksenia.expect_messages(2)
    assert "Ваши персональные данные" in text_of(shown)
    assert shown.button_texts == []
    assert "Вы дали согласие" in text_of(agreed)
    assert "22.11.2028" in text_of(agreed)  # 730 days after her last message

    await ksenia.send("/my_data")
    document, summary = await ksenia.expect_messages(2)
    assert document.document is not None
    assert document.media is not None
    assert document.media.file_name == "my_data_2026-11-23.json"
    assert document.file_bytes is not None
    exported = json.loads(document.file_bytes)
    assert exported["user_id"] == KSENIA
    tables = exported["tables"]
    assert tables["users"][0]["first_name"] == NAME
    assert len(tables["answers"]) == answers
    assert {row["node_id"] for row in tables["answers"]} >= {"welcome"}
    assert tables["attempts"][0]["status"] == "finished"
    assert tables["consents"][0]["version"]
    assert tables["tip_subscriptions"][0]["status"] == "active"
    assert f"ответов на вопросы теста: {answers}" in text_of(summary)
    assert "попыток теста: 1" in text_of(summary)

    await ksenia.send("/delete_me")
    confirm = await ksenia.expect_message()
    assert "Отменить это нельзя" in text_of(confirm)
    await ksenia.press("Отмена", message=confirm)
    assert "Ничего не удалено" in text_of(await ksenia.expect_edit(confirm))
    assert await rows_about(db, KSENIA, NAME) != []

    await ksenia.send("/delete_me")
    confirm = await ksenia.expect_message()
    answer = await ksenia.press("🗑 Удалить всё", message=confirm)
    assert answer.get("text") == "Удалено."
    done = await ksenia.expect_edit(confirm)
    assert "всё, что я о вас хранил, удалено" in text_of(done)
    assert done.button_texts == []
    assert await rows_about(db, KSENIA, NAME, "ksenia_k") == []

    # Her tips were planned: none arrives, and a later /start meets her as new.
    await ksenia.expect_no_message(within=0.5)
    await ksenia.send("/results")
    assert "дайте согласие" in text_of((await ksenia.expect_messages(2))[0])
    assert text_of(await agree(ksenia)).startswith(f"Привет, {NAME}!")
    assert await db.fetchval("SELECT COUNT(*) FROM attempts WHERE user_id = ?", (KSENIA,)) == 0


@pytest.mark.timeout(60)
async def test_a_changed_notice_asks_again(emu: Emulator, tmp_path: Path) -> None:
    bot = RunningBot(emu, tmp_path, overrides={"operator_name": "Первый оператор"})
    async with bot as app:
        student = Student(emu, user_id=KSENIA, first_name=NAME, language_code="ru")
        await agree(student)
        old_version = app.services.privacy.version
        slow = Student(emu, user_id=KSENIA + 2, first_name="Неспешная", language_code="ru")
        await slow.send("/start")
        old_notice = await slow.expect_message()  # read, not yet agreed
        bot.overrides["operator_name"] = "Новый оператор"
        app = await bot.restart()
        assert app.services.privacy.version != old_version

        await student.send("/quiz")
        changed, notice = await student.expect_messages(2)
        assert "изменились" in text_of(changed)
        assert "Новый оператор" in text_of(notice)
        await student.send("/start")
        changed, notice = await student.expect_messages(2)
        assert "изменились" in text_of(changed)
        assert "Новый оператор" in text_of(notice)
        consents = "SELECT COUNT(*) FROM consents WHERE user_id = ?"
        assert await app.db.fetchval(consents, (KSENIA,)) == 1
        await student.press(AGREE["ru"], message=notice)
        assert text_of(await student.expect_message()).startswith(f"С возвращением, {NAME}!")
        versions = await app.db.fetchall(
            "SELECT version FROM consents WHERE user_id = ? ORDER BY agreed_at", (KSENIA,)
        )
        assert {row[0] for row in versions} == {old_version, app.services.privacy.version}

        # Agree under the old text, pressed after it changed: she reads the new one first.
        answer = await slow.press(AGREE["ru"], message=old_notice)
        assert "изменились" in str(answer.get("text"))
        new_notice = await slow.expect_message()
        assert "Новый оператор" in text_of(new_notice)
        assert await app.db.fetchval(consents, (KSENIA + 2,)) == 0
        await slow.press(AGREE["ru"], message=new_notice)
        assert text_of(await slow.expect_message()).startswith("Привет, Неспешная!")


async def test_a_quiz_answer_pressed_after_the_notice_changed_waits_for_consent(
    emu: Emulator, tmp_path: Path
) -> None:
    """Quiz presses are routed ahead of everything else; one from a student whose consent
    no longer holds still meets the notice's gate and records nothing."""
    bot = RunningBot(emu, tmp_path, overrides={"operator_name": "Первый оператор"})
    async with bot as app:
        student = Student(emu, user_id=KSENIA, first_name=NAME, language_code="ru")
        await agree(student)
        await student.send("/quiz")
        question = await next_screen(student)
        step = step_of(question)
        assert step is not None
        bot.overrides["operator_name"] = "Новый оператор"
        app = await bot.restart()

        answer = await press_data(student, question, step)
        assert answer.get("text") == "Сначала отправьте /start и дайте согласие."
        answers = "SELECT COUNT(*) FROM answers"
        assert await app.db.fetchval(answers) == 0

        await student.send("/start")
        _changed, notice = await student.expect_messages(2)
        await student.press(AGREE["ru"], message=notice)
        await student.expect_message()
        await press_data(student, question, step)  # the same button, now with consent
        assert await app.db.fetchval(answers) == 1


@pytest.mark.timeout(60)
async def test_staff_join_by_invite_without_the_students_consent(
    emu: Emulator, privbot: RunningBot
) -> None:
    admin = Student(emu, user_id=ADMIN, first_name="Admin", language_code="en")
    await admin.send("/operator_invite")
    (invite,) = START_LINK.findall(text_of(await admin.expect_message()))
    olga = Student(emu, user_id=KSENIA, first_name="Olga", language_code="en")
    await olga.send(f"/start {invite}")
    assert "operator" in text_of(await olga.expect_message())
    db = database(privbot)
    assert await db.fetchval("SELECT first_name FROM users WHERE id = ?", (KSENIA,)) == "Olga"
    assert await db.fetchval("SELECT COUNT(*) FROM consents WHERE user_id = ?", (KSENIA,)) == 0
    await olga.send("/broadcasts")
    assert "consent" not in text_of(await olga.expect_message()).lower()
    # The student's side waits for her consent, like anyone's.
    await olga.send("/quiz")
    assert "read how I handle your data" in text_of((await olga.expect_messages(2))[0])


@pytest.mark.timeout(60)
async def test_the_retention_job_deletes_students_away_for_longer(
    emu: Emulator, tmp_path: Path
) -> None:
    clock = FrozenClock(T0)
    bot = RunningBot(emu, tmp_path, overrides={"data_retention": "P30D"}, clock=clock)
    async with bot as app:
        away = Student(emu, user_id=KSENIA, first_name=NAME, language_code="ru")
        back = Student(emu, user_id=KSENIA + 1, first_name="Вернувшаяся", language_code="ru")
        for student in (away, back):
            await agree(student)
        clock.advance(timedelta(days=20))
        await back.send("/help")
        await back.expect_message()
        clock.advance(timedelta(days=10, minutes=1))

        job = app.scheduler.get_job("retention")
        assert job is not None
        job.modify(next_run_time=datetime.now(UTC))  # the daily run, now
        async with asyncio.timeout(10):
            while await app.db.fetchval("SELECT COUNT(*) FROM users WHERE id = ?", (KSENIA,)):
                await asyncio.sleep(0.05)
        assert await rows_about(app.db, KSENIA, NAME) == []
        assert await app.db.fetchval("SELECT COUNT(*) FROM users") == 1
        await away.send("/start")
        assert "персональные данные" in text_of(await away.expect_message())

"""A student meets the bot: /start with and without a deep link, /help, and whatever
the bot does not understand."""

from __future__ import annotations

import asyncio

from bot.db.users import UsersRepo
from bot.emulator import Emulator, Student
from tests.e2e.conftest import MakeStudent, RunningBot, agree, both_transports
from tests.support import text_of


def users_of(running: RunningBot) -> UsersRepo:
    assert running.app is not None
    return UsersRepo(running.app.db)


@both_transports
async def test_start_greets_in_russian_and_records_the_user(
    newcomer: Student, running: RunningBot
) -> None:
    student = newcomer
    reply = await agree(student)
    assert text_of(reply).startswith("Привет, Аня!")
    assert "службе поддержки" in text_of(reply)
    await student.expect_no_message(within=0.3)

    user = await users_of(running).get(student.user_id)
    assert user is not None
    assert user.first_name == "Аня"
    assert user.language_code == "ru"
    assert user.source is None


async def test_start_in_english_for_english_telegram(make_student: MakeStudent) -> None:
    john = await make_student(2002, "John", "en", agreed=False)
    reply = await agree(john)
    assert text_of(reply).startswith("Hi, John!")
    assert "customer support" in text_of(reply)


async def test_unknown_language_falls_back_to_russian(make_student: MakeStudent) -> None:
    taras = await make_student(2003, "Тарас", "uk", agreed=False)
    assert text_of(await agree(taras)).startswith("Привет, Тарас!")


async def test_second_start_is_a_welcome_back_and_keeps_one_row(
    student: Student, running: RunningBot
) -> None:
    await student.send("/start")
    reply = await student.expect_message()
    assert text_of(reply).startswith("С возвращением, Аня!")
    assert running.app is not None
    assert await running.app.db.fetchval("SELECT COUNT(*) FROM users") == 1


@both_transports
async def test_deep_link_source_first_touch_wins(newcomer: Student, running: RunningBot) -> None:
    student = newcomer
    assert text_of(await agree(student, "centre_msu")).startswith("Привет")
    await student.send("/start centre_other")
    await student.expect_message()
    user = await users_of(running).get(student.user_id)
    assert user is not None
    assert user.source == "centre_msu"


async def test_source_is_set_on_a_later_visit_if_none_yet(
    student: Student, running: RunningBot
) -> None:
    await student.send("/start centre_late")
    await student.expect_message()
    user = await users_of(running).get(student.user_id)
    assert user is not None
    assert user.source == "centre_late"


async def test_malformed_payload_is_ignored_safely(newcomer: Student, running: RunningBot) -> None:
    student = newcomer
    greeting = await agree(student, "<b>drop table</b>;" + "x" * 100)
    assert text_of(greeting).startswith("Привет, Аня!")
    user = await users_of(running).get(student.user_id)
    assert user is not None
    assert user.source is None


async def test_name_with_html_is_shown_as_text(make_student: MakeStudent) -> None:
    mallory = await make_student(2004, "<b>Mal</b> & Co", "en", agreed=False)
    reply = await agree(mallory)
    assert text_of(reply).startswith("Hi, <b>Mal</b> & Co!")


async def test_help_lists_the_commands(student: Student) -> None:
    await student.send("/help")
    reply = await student.expect_message()
    assert "Что я умею" in text_of(reply)
    commands = ("/start", "/quiz", "/results", "/tips", "/settings", "/language", "/help")
    for command in (*commands, "/privacy", "/my_data", "/delete_me"):
        assert command in text_of(reply)


async def test_command_menu_is_set_in_both_languages(running: RunningBot, emu: Emulator) -> None:
    ru = {c["command"]: c["description"] for c in emu.commands(language_code="ru")}
    en = {c["command"]: c["description"] for c in emu.commands(language_code="en")}
    default = {c["command"] for c in emu.commands()}
    assert (
        set(ru)
        == set(en)
        == default
        == {"start", "quiz", "results", "tips", "settings", "language", "help"}
        | {"privacy", "my_data", "delete_me"}
    )
    assert ru["help"] == "Что умеет этот бот"
    assert en["help"] == "What this bot can do"


async def test_unknown_text_gets_a_hint(student: Student) -> None:
    await student.send("как дела?")
    reply = await student.expect_message()
    assert "не понял" in text_of(reply)
    assert "/help" in text_of(reply)


async def test_unknown_command_gets_a_hint(student: Student) -> None:
    await student.send("/frobnicate")
    assert "Такой команды я не знаю" in text_of(await student.expect_message())


async def test_sticker_gets_a_hint(student: Student) -> None:
    await student.send_sticker()
    assert "не понял" in text_of(await student.expect_message())


async def test_very_long_message_gets_a_hint(student: Student) -> None:
    await student.send("а" * 4096)
    assert "не понял" in text_of(await student.expect_message())


@both_transports
async def test_stale_button_is_answered(student: Student, emu: Emulator) -> None:
    greeting = student.last_message
    assert greeting is not None
    query_id = await emu.press(student.user_id, greeting.message_id, "no-such-button")
    answer = await emu.wait_callback_answer(query_id)
    assert answer["text"] == "Эта кнопка уже неактуальна."


async def test_blocking_the_bot_is_recorded_and_writing_again_clears_it(
    student: Student, running: RunningBot, emu: Emulator
) -> None:
    repo = users_of(running)

    emu.block(student.user_id)
    async with asyncio.timeout(5):
        while (user := await repo.get(student.user_id)) is None or user.blocked_at is None:
            await asyncio.sleep(0.02)

    await student.send("/start")
    assert text_of(await student.expect_message()).startswith("С возвращением")
    user = await repo.get(student.user_id)
    assert user is not None
    assert user.blocked_at is None

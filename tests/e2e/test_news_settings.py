"""/settings and the news button under operators' broadcasts: a student turns news off
and back on, from the settings screen or from any message that carries the button."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.db.users import UsersRepo
from bot.domain import User
from bot.emulator import EmuMessage, Student, tiny_png
from handlers.news import news_off_button
from tests.e2e.conftest import MakeStudent, RunningBot
from tests.support import text_of

FAIR = "https://example.org/fair"


async def stored(running: RunningBot, student: Student) -> User:
    assert running.app is not None
    user = await UsersRepo(running.app.db).get(student.user_id)
    assert user is not None
    return user


async def wants_news(running: RunningBot, student: Student) -> bool:
    assert running.app is not None
    return running.app.services.students.wants_news(await stored(running, student))


def broadcast_markup(running: RunningBot, locale: str = "ru") -> InlineKeyboardMarkup:
    """What a broadcast carries: its URL button, then the news button in the student's
    language."""
    assert running.app is not None
    i18n: I18n = running.app.dispatcher["i18n"]
    with i18n.context(), i18n.use_locale(locale):
        news = news_off_button()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Регистрация", url=FAIR)], [news]]
    )


def buttons(message: EmuMessage) -> list[list[tuple[str, str | None]]]:
    return [[(b.text, b.url) for b in row] for row in message.buttons]


async def test_settings_turn_news_off_and_on(student: Student, running: RunningBot) -> None:
    await student.send("/start")
    await student.expect_message()
    await student.send("/settings")
    screen = await student.expect_message()
    assert "Настройки" in text_of(screen)
    assert "Новости (ярмарки вакансий, стажировки, вебинары): включены" in text_of(screen)
    assert "Советы по развитию: выключены" in text_of(screen)
    assert "Язык: 🇷🇺 Русский" in text_of(screen)
    assert await wants_news(running, student)

    answer = await student.press("📰 Новости: вкл.", message=screen)
    assert answer["text"] == "Новости выключены."
    screen = await student.expect_edit(screen)
    assert "Новости (ярмарки вакансий, стажировки, вебинары): выключены" in text_of(screen)
    assert "📰 Новости: выкл." in screen.button_texts
    assert (await stored(running, student)).news_off_at is not None
    assert not await wants_news(running, student)

    await student.press("📰 Новости: выкл.", message=screen)
    screen = await student.expect_edit(screen)
    assert "Новости (ярмарки вакансий, стажировки, вебинары): включены" in text_of(screen)
    assert (await stored(running, student)).news_off_at is None
    await student.expect_no_message(within=0.3)  # everything happened in place


async def test_settings_open_tips_and_language_in_place(
    student: Student, running: RunningBot
) -> None:
    await student.send("/settings")
    screen = await student.expect_message()
    await student.press("📬 Советы по развитию", message=screen)
    tips = await student.expect_edit(screen)
    assert "Советы по развитию" in text_of(tips)
    assert "📬 Получать советы" in tips.button_texts

    await student.send("/settings")
    screen = await student.expect_message()
    await student.press("🌐 Язык", message=screen)
    choice = await student.expect_edit(screen)
    assert text_of(choice) == "Выберите язык:"
    await student.press("🇬🇧 English", message=choice)
    assert text_of(await student.expect_message()) == "Done: I will speak English with you now."
    await student.send("/settings")
    screen = await student.expect_message()
    assert "Language: 🇬🇧 English" in text_of(screen)
    assert "📰 News: on" in screen.button_texts


async def test_news_button_under_a_broadcast_turns_news_off_and_on(
    student: Student, running: RunningBot
) -> None:
    await student.send("/start")
    await student.expect_message()
    assert running.app is not None
    await running.app.bot.send_message(
        student.chat_id, "Ярмарка вакансий", reply_markup=broadcast_markup(running)
    )
    fair = await student.expect_message()
    assert buttons(fair) == [[("Регистрация", FAIR)], [("🔕 Не присылать новости", None)]]

    answer = await student.press("🔕 Не присылать новости", message=fair)
    assert answer["show_alert"]
    assert "/settings" in str(answer["text"])
    fair = await student.expect_edit(fair)
    assert text_of(fair) == "Ярмарка вакансий"
    assert buttons(fair) == [[("Регистрация", FAIR)], [("🔔 Снова присылать новости", None)]]
    assert (await stored(running, student)).news_off_at is not None

    await student.send("/settings")
    assert "выключены" in text_of(await student.expect_message())

    answer = await student.press("🔔 Снова присылать новости", message=fair)
    assert not answer.get("show_alert")
    assert answer["text"] == "Новости снова будут приходить."
    fair = await student.expect_edit(fair)
    assert buttons(fair) == [[("Регистрация", FAIR)], [("🔕 Не присылать новости", None)]]
    assert await wants_news(running, student)


async def test_news_button_under_a_photo_keeps_the_photo_and_caption(
    make_student: MakeStudent, running: RunningBot
) -> None:
    john = await make_student(2101, "John", "en")
    await john.send("/start")
    await john.expect_message()
    assert running.app is not None
    await running.app.bot.send_photo(
        john.chat_id,
        BufferedInputFile(tiny_png(40, 30), filename="fair.png"),
        caption="Job fair on Friday",
        reply_markup=broadcast_markup(running, "en"),
    )
    poster = await john.expect_message()
    photo = poster.file_id
    assert buttons(poster) == [[("Регистрация", FAIR)], [("🔕 No more news", None)]]

    answer = await john.press("🔕 No more news", message=poster)
    assert "/settings" in str(answer["text"])
    poster = await john.expect_edit(poster)
    assert (poster.caption, poster.file_id) == ("Job fair on Friday", photo)
    assert buttons(poster) == [[("Регистрация", FAIR)], [("🔔 Send news again", None)]]
    assert not await wants_news(running, john)

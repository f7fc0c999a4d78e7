"""The result of an attempt (text and chart), the list of past results, the tips wish."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.domain import User
from bot.quiz import Quiz
from bot.quiz.snapshot import StoredProfile
from bot.render import ChartInput, TraitBar, TraitKind, render_profile_chart
from bot.render.worker import drawing
from bot.services.quiz import QuizService
from bot.services.students import StudentService
from bot.telegram import MESSAGE_LIMIT
from handlers.quiz import screens
from handlers.quiz.callbacks import Menu, Part, QuizMenuCb, ResultCb

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name="results")
    router.message.register(results_command, Command("results"))
    router.callback_query.register(menu_results, QuizMenuCb.filter(F.action == Menu.RESULTS))
    router.callback_query.register(open_result, ResultCb.filter())
    return router


def chart_input(
    quiz: Quiz, profile: StoredProfile, previous: StoredProfile | None, locale: str
) -> ChartInput:
    def kind(trait_id: str) -> TraitKind:
        if trait_id in profile.strengths:
            return "strength"
        if trait_id in profile.growth_areas:
            return "growth"
        return "normal"

    subtitle = ""
    try:
        best = quiz.outcomes.specialisation(profile.recommended)
        subtitle = f"{best.name.get(locale)} · {profile.fits.get(best.id, 0)}%"
    except KeyError:
        pass
    return ChartInput(
        title=screens.band_title(quiz, profile.band, locale),
        subtitle=subtitle,
        traits=[
            TraitBar(label=t.name.get(locale), score=profile.scores.get(t.id), kind=kind(t.id))
            for t in quiz.traits
        ],
        previous=(
            {
                t.name.get(locale): score
                for t in quiz.traits
                if (score := previous.scores.get(t.id)) is not None
            }
            if previous
            else None
        ),
        legend=(_("Strength"), _("Growth area"), _("Last time")),
    )


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split on paragraph boundaries so that HTML tags (never across paragraphs) stay whole."""
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = paragraph[:limit]
    if current:
        chunks.append(current)
    return chunks


async def share_url(bot: Bot, payload: str) -> str:
    link = await create_start_link(bot, payload)
    text = _("A five-minute quiz: does a job in customer support suit you?")
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"


async def send_result(
    bot: Bot,
    chat_id: int,
    quiz: Quiz,
    attempt_id: int,
    profile: StoredProfile,
    previous: StoredProfile | None,
    locale: str,
    share_payload: str,
) -> None:
    """The chart (if it renders) and the short first screen with the result buttons.

    `share_payload` is what the "share" link carries (see `StudentService.share_payload`).
    """
    chart = chart_input(quiz, profile, previous, locale)
    # The drawing process draws the chart while the text and its buttons are made here:
    # the student waits for the slower of the two, not for both one after the other.
    picture = drawing(render_profile_chart, chart)
    try:
        link = await share_url(bot, share_payload)
        markup = screens.result_keyboard(attempt_id, link, previous is not None)
        text = screens.result_text(quiz, profile, locale)
    except BaseException:
        picture.cancel()
        raise
    try:
        png = await picture
    except Exception:  # a broken chart must not cost the student their result
        log.exception("result chart failed to render")
    else:
        await bot.send_photo(
            chat_id, BufferedInputFile(png, "profile.png"), caption=html.quote(chart.title)
        )
    await send_chunks(bot, chat_id, text, markup)


async def send_chunks(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A text that may be longer than one message; the buttons go under the last part."""
    chunks = split_message(text)
    for position, chunk in enumerate(chunks):
        last = position == len(chunks) - 1
        await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)


async def _list(
    bot: Bot, chat_id: int, user: User, quiz_service: QuizService, settings: Settings, locale: str
) -> None:
    rows = await quiz_service.results(user.id)
    text, markup = screens.results_list(quiz_service.quiz, rows, settings.tz, locale)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def results_command(
    message: Message,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    settings: Settings,
    i18n: I18n,
) -> None:
    await _list(bot, message.chat.id, user, quiz_service, settings, i18n.current_locale)


async def menu_results(
    query: CallbackQuery,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    settings: Settings,
    i18n: I18n,
) -> None:
    await _list(bot, user.id, user, quiz_service, settings, i18n.current_locale)


async def open_result(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: ResultCb,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    students: StudentService,
    i18n: I18n,
) -> None:
    result = await quiz_service.result(user.id, callback_data.attempt)
    if result is None:
        callback_answer.text = _("This result is not available.")
        callback_answer.show_alert = True
        return
    quiz, locale = quiz_service.quiz, i18n.current_locale
    part = callback_data.part
    if part == Part.SUMMARY:
        payload = await students.share_payload(user)
        await send_result(
            bot, user.id, quiz, result.attempt.id, result.profile, result.previous, locale, payload
        )
        return
    if part == Part.REVIEW:
        answers = await quiz_service.review(user.id, callback_data.attempt)
        if answers is None:
            callback_answer.text = _("The review of this attempt is no longer available.")
            callback_answer.show_alert = True
            return
        text = screens.review_text(quiz, answers, locale)
    elif part == Part.PAY:
        text = screens.pay_text(quiz, locale)
    elif part == Part.LEARN:
        text = screens.learn_text(quiz, result.profile, locale)
    elif result.previous is not None:
        text = screens.change_text(quiz, result.profile, result.previous, locale)
    else:
        callback_answer.text = _("There is no earlier attempt to compare with.")
        return
    await send_chunks(bot, user.id, text)

"""Taking the quiz: open or resume it, press answers, go back, pause, finish."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import User
from bot.quiz import CONTINUE, QuestionNode
from bot.services.quiz import (
    Finished,
    Moved,
    Outdated,
    Position,
    QuizService,
    Refused,
    Stale,
)
from bot.services.students import StudentService
from bot.telegram import drop_buttons, edit_text, pressed_message, retract, show
from handlers.errors import answer_now
from handlers.quiz import screens
from handlers.quiz.callbacks import Act, Menu, QuizCb, QuizMenuCb
from handlers.quiz.results import send_result

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name="quiz")
    router.message.register(quiz_command, Command("quiz"))
    router.callback_query.register(
        menu_start, QuizMenuCb.filter(F.action.in_({Menu.START, Menu.RESUME}))
    )
    router.callback_query.register(menu_restart, QuizMenuCb.filter(F.action == Menu.RESTART))
    return router


def build_press_router() -> Router:
    """The buttons under a question: most of the updates a bot gets while students take
    the quiz. `handlers.build_router` puts this router first, so a press reaches its
    handler without being offered to every router of the tree before it (each one an
    outer-middleware chain and a filter check, about a tenth of a press's CPU)."""
    router = Router(name="quiz-presses")
    router.callback_query.register(
        press_answer, QuizCb.filter(F.act.in_({Act.ANSWER, Act.CONTINUE}))
    )
    router.callback_query.register(press_back, QuizCb.filter(F.act == Act.BACK))
    router.callback_query.register(press_pause, QuizCb.filter(F.act == Act.PAUSE))
    return router


def build_reminder_router() -> Router:
    """Messages that are not commands, while a quiz is in progress: remind and re-ask.

    Included after every command router and before the fallback.
    """
    router = Router(name="quiz-reminder")
    router.message.register(remind_current_question, ~F.text.startswith("/"))
    return router


async def _drop_pressed(bot: Bot, query: CallbackQuery, user: User) -> None:
    """The pressed message keeps its text but loses its buttons."""
    pressed = pressed_message(query)
    if pressed is not None:
        await drop_buttons(bot, user.id, pressed)


async def send_node(
    bot: Bot,
    chat_id: int,
    position: Position,
    quiz_service: QuizService,
    locale: str,
    edit: int | None = None,
) -> None:
    """Show the current step (as a new message, or by editing `edit`) and remember it.

    Only one copy of the current step has live buttons: an older copy loses them.
    """
    shown = await show_node(bot, chat_id, position, locale, edit)
    if shown is not None:
        await quiz_service.remember_message(position.attempt.id, shown)


async def show_node(
    bot: Bot, chat_id: int, position: Position, locale: str, edit: int | None = None
) -> int | None:
    """Show the current step as :func:`send_node` does, without remembering it: the id
    of the message that shows it now, or None if it is the one the attempt remembers."""
    previous = position.attempt.message_id
    if previous is not None and previous != edit:
        await drop_buttons(bot, chat_id, previous)
    text, markup = screens.node_screen(position.run, position.attempt, locale)
    shown = await show(bot, chat_id, text, markup, edit=edit)
    return shown if shown != previous else None


async def begin(bot: Bot, chat_id: int, user: User, quiz_service: QuizService, locale: str) -> None:
    position = await quiz_service.begin(user.id)
    await bot.send_message(chat_id, screens.intro_text(quiz_service.quiz, locale))
    await send_node(bot, chat_id, position, quiz_service, locale)


async def open_quiz(
    bot: Bot, chat_id: int, user: User, quiz_service: QuizService, locale: str
) -> None:
    """Resume the attempt in progress (a paused one too), or start one."""
    current = await quiz_service.resume(user.id)
    if isinstance(current, Position):
        await send_node(bot, chat_id, current, quiz_service, locale)
        return
    if isinstance(current, Outdated):
        await bot.send_message(chat_id, screens.outdated_text())
    await begin(bot, chat_id, user, quiz_service, locale)


async def quiz_command(
    message: Message, bot: Bot, user: User, quiz_service: QuizService, i18n: I18n
) -> None:
    await open_quiz(bot, message.chat.id, user, quiz_service, i18n.current_locale)


async def menu_start(
    query: CallbackQuery, bot: Bot, user: User, quiz_service: QuizService, i18n: I18n
) -> None:
    await open_quiz(bot, user.id, user, quiz_service, i18n.current_locale)


async def menu_restart(
    query: CallbackQuery, bot: Bot, user: User, quiz_service: QuizService, i18n: I18n
) -> None:
    await _drop_pressed(bot, query, user)
    await begin(bot, user.id, user, quiz_service, i18n.current_locale)


async def _refused(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    outcome: object,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    locale: str,
) -> bool:
    """Answer a press that changes nothing (stale, forged, outdated); True if it was one."""
    if isinstance(outcome, Stale | Refused):
        callback_answer.text = _("This question is no longer current.")
        return True
    if isinstance(outcome, Outdated):
        await _drop_pressed(bot, query, user)
        await bot.send_message(user.id, screens.outdated_text())
        await begin(bot, user.id, user, quiz_service, locale)
        return True
    return False


async def press_answer(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: QuizCb,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    students: StudentService,
    i18n: I18n,
) -> None:
    locale = i18n.current_locale
    option = callback_data.option if callback_data.act == Act.ANSWER else CONTINUE
    pressed = pressed_message(query)
    outcome = await quiz_service.answer(
        user.id, callback_data.attempt, callback_data.step, callback_data.node, option, pressed
    )
    if await _refused(query, callback_answer, outcome, bot, user, quiz_service, locale):
        return
    next_step: Coroutine[Any, Any, object]
    if isinstance(outcome, Finished):
        next_step = send_result(
            bot,
            user.id,
            quiz_service.quiz,
            outcome.position.attempt.id,
            outcome.profile,
            outcome.previous,
            locale,
            await students.share_payload(user),
        )
    else:
        assert isinstance(outcome, Moved)
        next_step = show_node(bot, user.id, outcome.position, locale)
    result: object
    if pressed is None:
        result = await next_step
    else:
        # The pressed message stays in the chat as a record of the answer. Recording it
        # and showing what comes next are independent requests: they go at the same time.
        node = quiz_service.quiz.node(callback_data.node)
        record: Coroutine[Any, Any, object]
        if isinstance(node, QuestionNode):
            record = edit_text(bot, user.id, pressed, screens.answered_text(node, option, locale))
        else:
            record = drop_buttons(bot, user.id, pressed)
        # Both are waited for, so nothing of this press runs on after its handler.
        outcomes = await asyncio.gather(record, next_step, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        for also in failures[1:]:
            log.error("press by user %d: the other request failed too", user.id, exc_info=also)
        if failures:
            raise failures[0]
        result = outcomes[1]
    if isinstance(outcome, Moved) and isinstance(result, int):
        # Everything the student sees was sent: the press is answered now, while the
        # new question's message is remembered (bookkeeping the student does not wait
        # for), instead of after it. Both are done before the handler returns.
        done = await asyncio.gather(
            answer_now(bot, query, callback_answer),
            quiz_service.remember_message(outcome.position.attempt.id, result),
            return_exceptions=True,
        )
        answered, remembered = done
        if isinstance(answered, BaseException):
            log.warning("press by user %d: answering it failed: %s", user.id, answered)
        if isinstance(remembered, BaseException):
            raise remembered


async def press_back(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: QuizCb,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    i18n: I18n,
) -> None:
    locale = i18n.current_locale
    outcome = await quiz_service.back(
        user.id, callback_data.attempt, callback_data.step, callback_data.node
    )
    if await _refused(query, callback_answer, outcome, bot, user, quiz_service, locale):
        return
    assert isinstance(outcome, Moved)
    # The undone answers leave the chat: the question is asked again in their place.
    for message_id in outcome.undone_messages:
        await retract(bot, user.id, message_id, _("(answer undone)"))
    await send_node(
        bot, user.id, outcome.position, quiz_service, locale, edit=pressed_message(query)
    )


async def press_pause(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: QuizCb,
    bot: Bot,
    user: User,
    quiz_service: QuizService,
    i18n: I18n,
) -> None:
    paused = await quiz_service.pause(
        user.id, callback_data.attempt, callback_data.step, callback_data.node
    )
    if await _refused(query, callback_answer, paused, bot, user, quiz_service, i18n.current_locale):
        return
    assert isinstance(paused, Position)
    await _drop_pressed(bot, query, user)
    await bot.send_message(user.id, screens.paused_text(paused.run, i18n.current_locale))


async def remind_current_question(
    message: Message, bot: Bot, user: User, quiz_service: QuizService, i18n: I18n
) -> None:
    current = await quiz_service.current(user.id)
    if not isinstance(current, Position):
        raise SkipHandler  # not in a quiz: the fallback answers
    if current.attempt.paused:
        await message.answer(screens.paused_text(current.run, i18n.current_locale))
        return
    await message.answer(_("Please answer with the buttons under the question. Here it is again:"))
    await send_node(bot, message.chat.id, current, quiz_service, i18n.current_locale)

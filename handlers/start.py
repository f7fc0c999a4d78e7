"""/start, with or without a deep-link payload."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import User
from bot.services.quiz import Position, QuizService
from bot.services.students import StudentService
from handlers.quiz import screens


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router


async def start(
    message: Message,
    command: CommandObject,
    user: User,
    user_created: bool,
    students: StudentService,
    quiz_service: QuizService,
) -> None:
    await students.arrived(user, command.args)
    name = html.quote(user.first_name or "")
    if user_created:
        greeting = _("Hi, {name}! 👋").format(name=name)
    else:
        greeting = _("Welcome back, {name}! 👋").format(name=name)
    intro = (
        greeting
        + "\n\n"
        + _(
            "I help students find out whether a job in customer support suits them:"
            " a short quiz of about five minutes, a profile of your strengths and growth"
            " areas, the specialisation that fits you best, and then practical tips to"
            " grow into the role."
        )
    )
    current = await quiz_service.current(user.id)
    if isinstance(current, Position):
        offer, markup = screens.resume_offer(current.run)
        await message.answer(intro + "\n\n" + offer, reply_markup=markup)
        return
    has_results = bool(await quiz_service.results(user.id, limit=1))
    await message.answer(
        intro + "\n\n" + _("Send /help to see what I can do."),
        reply_markup=screens.start_keyboard(has_results),
    )

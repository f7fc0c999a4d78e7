"""/start, with or without a deep-link payload, and staff invite links.

A student reaches `start` only once they agreed to the personal data notice (see
`handlers.privacy`); before that, /start shows the notice. Staff invite links need no
student's consent: opening one stores the person for their role only.
"""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Centre, Role, SeenUser, User
from bot.services.centres import INVITE_PREFIX, CentresService, InviteRefusal, Joined
from bot.services.quiz import Position, QuizService
from bot.services.staff import StaffService
from bot.services.students import StudentService
from handlers.menu import refresh_staff_menu, set_staff_menu, staff_command_names
from handlers.quiz import screens


def build_invite_router() -> Router:
    router = Router(name="invites")
    router.message.register(
        accept_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    return router


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router


REFUSALS = {
    InviteRefusal.UNKNOWN: lambda: _(
        "This invite link is not valid. Check that it was copied whole, or ask for a new one."
    ),
    InviteRefusal.USED: lambda: _(
        "This invite has already been used: each one works once. Ask for a new one."
    ),
    InviteRefusal.EXPIRED: lambda: _("This invite has expired. Ask for a new one."),
}


async def accept_invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    seen: SeenUser,
    centres: CentresService,
    staff: StaffService,
    i18n: I18n,
) -> None:
    """A staff invite link: the first person to open it in time gets its role."""
    assert command.args is not None  # the filter
    outcome = await centres.accept(command.args, seen.id, seen)
    if not isinstance(outcome, Joined):
        await message.answer(REFUSALS[outcome.reason]())
        return
    access = await staff.access(seen.id)
    await set_staff_menu(bot, i18n, seen.id, access)
    commands = " ".join(f"/{name}" for name in staff_command_names(access))
    if outcome.role == Role.MANAGER and outcome.centre is not None:
        text = _(
            "✅ You are a manager of <b>{centre}</b>. You see its students' statistics,"
            " aggregated: never a single student. Your commands: {commands}\n\n"
            "Every Monday morning I send a digest of the week when there is something new;"
            " it has a button to turn it off."
        ).format(centre=html.quote(outcome.centre.name), commands=commands)
    else:
        text = _("✅ You are now an operator. Your commands: {commands}").format(commands=commands)
    await message.answer(text)


async def start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    user: User,
    students: StudentService,
    quiz_service: QuizService,
    staff: StaffService,
    i18n: I18n,
) -> None:
    centre = await students.arrived(user, command.args)
    await welcome(message, bot, user, centre, quiz_service, staff, i18n, first=False)


async def welcome(
    message: Message,
    bot: Bot,
    user: User,
    centre: Centre | None,
    quiz_service: QuizService,
    staff: StaffService,
    i18n: I18n,
    *,
    first: bool,
) -> None:
    """The greeting with the quiz button: on /start, and right after a newcomer agreed
    to the personal data notice (`first`)."""
    await refresh_staff_menu(bot, i18n, staff, user.id)
    name = html.quote(user.first_name or "")
    if first:
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
    if centre is not None:
        intro += "\n\n" + _("You came through <b>{centre}</b>: welcome!").format(
            centre=html.quote(centre.name)
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

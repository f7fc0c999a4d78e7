"""aiogram routers, one per thing a user does. `build_router` is the one place they meet.

Each module builds a fresh router on request (no module-level routers), so the
application can be built more than once in a process: tests restart it, and the
playground runs it beside the emulator.

The bot talks to students in private chats only, and to a student only about the
personal data notice until they agreed to it (`handlers.privacy`). In a group it answers `/start`
with a link to a private chat and ignores everything else; channel posts and
senders marked as bots never reach a student handler (see `handlers.filters`).
"""

from __future__ import annotations

from aiogram import Router

from handlers import (
    about,
    errors,
    fallback,
    groups,
    language,
    membership,
    news,
    privacy,
    settings,
    staff,
    start,
    tips,
)
from handlers.filters import Consented, PrivateChat
from handlers.quiz import flow, results


def build_router() -> Router:
    root = Router(name="root")
    # Error handlers of a router see the failures of the routers below it.
    root.errors.register(errors.on_error)

    students = Router(name="students")
    students.message.filter(Consented())
    students.callback_query.filter(Consented())
    students.include_routers(
        start.build_router(),
        language.build_router(),
        flow.build_router(),
        results.build_router(),
        tips.build_router(),
        settings.build_router(),
        news.build_router(),  # the button under operators' broadcasts
        flow.build_reminder_router(),  # plain messages while a quiz is in progress
        fallback.build_router(),  # last: catches what nobody else understood
    )

    # The quiz's answer buttons, under the same rules as every student's button (a
    # private chat, consent given), ahead of everything: no other router handles them,
    # and they are most of the traffic, so a press is not offered to the routers of
    # groups, membership and the private chat first (each one a middleware chain and a
    # check). A press without consent goes on down to the notice's gate.
    presses = flow.build_press_router()
    presses.callback_query.filter(PrivateChat(), Consented())

    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())
    private.include_routers(
        privacy.build_router(),  # the notice, /my_data, /delete_me: with or without consent
        start.build_invite_router(),  # staff are stored for their role, not by consent
        staff.build_router(),  # behind role filters; before anything that reads plain text
        about.build_router(),  # /help answers anyone
        privacy.build_gate(),  # nothing else before the student agreed to the notice
        students,  # behind Consented
    )
    root.include_routers(presses, groups.build_router(), membership.build_router(), private)
    return root

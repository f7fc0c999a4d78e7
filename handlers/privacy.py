"""Personal data: the consent notice and its Agree button, /privacy, /my_data and
/delete_me; and the gate that shows the notice to anyone who has not agreed yet.

Before a newcomer presses Agree nothing about them is written: the deep-link payload
they came with (a centre's code) travels in the button's data instead, and counts
once they agree.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.deeplinks import parse_start_payload
from bot.domain import SeenUser, User
from bot.i18n import human_duration
from bot.services.privacy import Export, PrivacyService
from bot.services.quiz import QuizService
from bot.services.staff import StaffService
from handlers.filters import NotConsented
from handlers.menu import refresh_staff_menu
from handlers.start import welcome

CALLBACK_LIMIT = 64
"""Telegram's limit on a button's data, in bytes."""


class ConsentCb(CallbackData, prefix="pd"):
    """Agree to the notice `version`; `start` is the deep-link payload to count then."""

    version: str
    start: str = ""


class EraseAction(StrEnum):
    CONFIRM = "yes"
    CANCEL = "no"


class EraseCb(CallbackData, prefix="pdel"):
    action: EraseAction


def build_router() -> Router:
    """What works with or without consent: withdrawing it must never need it."""
    router = Router(name="privacy")
    router.message.register(privacy_command, Command("privacy"))
    router.message.register(my_data, Command("my_data"))
    router.message.register(delete_me, Command("delete_me"))
    router.callback_query.register(agree, ConsentCb.filter())
    router.callback_query.register(erase, EraseCb.filter(F.action == EraseAction.CONFIRM))
    router.callback_query.register(keep, EraseCb.filter(F.action == EraseAction.CANCEL))
    return router


def build_gate() -> Router:
    """Everything else from someone who has not agreed to the current notice."""
    router = Router(name="consent-gate")
    router.message.filter(NotConsented())
    router.callback_query.filter(NotConsented())
    router.message.register(start_first, CommandStart())
    router.message.register(ask_first)
    router.callback_query.register(press_first)
    return router


# ---------------------------------------------------------------------- the notice


def notice_text(settings: Settings, locale: str) -> str:
    """The notice in `locale` (call it with that locale in use). Its exact text, in
    every language, is what a student agrees to: any change here or in the settings
    it names asks again."""
    operator = html.quote(settings.operator_name or _("the operator of this bot"))
    contacts = html.quote(settings.operator_contacts or _("not given yet"))
    text = (
        _("<b>Your personal data</b>")
        + "\n\n"
        + _("<b>Who processes it:</b> {operator}. Contacts: {contacts}.").format(
            operator=operator, contacts=contacts
        )
        + "\n\n"
        + _(
            "<b>What is stored:</b> your Telegram id, name and username, language, the"
            " link you came through (a career centre's), your quiz answers and results,"
            " your learning-tip settings and feedback, and which news were sent to you."
        )
        + "\n\n"
        + _(
            "<b>Why:</b> to show you your results and progress, and to send the tips and"
            " news you asked for. Career centres see only statistics of at least"
            " {min_group} students, never you by name and never your answers."
        ).format(min_group=settings.stats_min_group)
        + "\n\n"
        + _(
            "<b>How long:</b> while you use the bot; after {retention} without a message"
            " from you everything is deleted."
        ).format(retention=human_duration(settings.data_retention, locale))
        + "\n\n"
        + _(
            "<b>Your rights:</b> /my_data sends you everything stored about you;"
            " /delete_me withdraws your consent and deletes it all at once;"
            " /privacy shows this notice again."
        )
    )
    if settings.privacy_policy_url is not None:
        url = html.quote(str(settings.privacy_policy_url))
        text += "\n\n" + _('The full policy: <a href="{url}">{url}</a>').format(url=url)
    return text


def agree_button_text() -> str:
    return _("✅ I agree")


def consent_markup(version: str, start_args: str | None) -> InlineKeyboardMarkup:
    """The Agree button; it carries the deep-link payload if it fits in the button's
    64 bytes (a centre's code always does), else the payload is dropped."""
    payload = parse_start_payload(start_args) or ""
    data = ConsentCb(version=version, start=payload)
    if len(data.pack().encode()) > CALLBACK_LIMIT:
        data = ConsentCb(version=version)
    builder = InlineKeyboardBuilder()
    builder.button(text=agree_button_text(), callback_data=data)
    return builder.as_markup()


async def send_notice(
    message: Message, privacy: PrivacyService, start_args: str | None = None, *, ask: bool
) -> None:
    text = notice_text_for(privacy)
    if ask:
        text += "\n\n" + _(
            "Press <b>I agree</b> to consent to the processing of your personal data on"
            " these terms. Until then I store nothing about you."
        )
        markup: InlineKeyboardMarkup | None = consent_markup(privacy.version, start_args)
    else:
        markup = None
    await message.answer(
        text, reply_markup=markup, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )


def notice_text_for(privacy: PrivacyService) -> str:
    """The notice of the version in force, in the current locale."""
    texts = privacy.notice.texts
    return texts.get(get_i18n().current_locale) or next(iter(texts.values()))


# ---------------------------------------------------------------------- handlers


async def start_first(
    message: Message,
    command: CommandObject,
    bot: Bot,
    seen: SeenUser,
    user: User | None,
    privacy: PrivacyService,
    staff: StaffService,
    i18n: I18n,
) -> None:
    """/start before consent: the notice, with the link's payload kept in the button.
    Staff get their menu meanwhile: their role needs no student's consent."""
    await refresh_staff_menu(bot, i18n, staff, seen.id)
    if user is not None and user.consent_version is not None:
        await message.answer(changed_terms())
    await send_notice(message, privacy, command.args, ask=True)


async def ask_first(message: Message, privacy: PrivacyService, user: User | None) -> None:
    if user is not None and user.consent_version is not None:
        await message.answer(changed_terms())
    else:
        await message.answer(_("First, please read how I handle your data and agree."))
    await send_notice(message, privacy, ask=True)


def changed_terms() -> str:
    """To a student who agreed to an older text of the notice."""
    return _("The terms below have changed since you agreed; please read them.")


async def press_first(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = _("Send /start and agree to the terms first.")
    callback_answer.show_alert = True


async def agree(
    query: CallbackQuery,
    callback_data: ConsentCb,
    callback_answer: CallbackAnswer,
    bot: Bot,
    seen: SeenUser,
    user: User | None,
    consented: bool,
    privacy: PrivacyService,
    quiz_service: QuizService,
    staff: StaffService,
    i18n: I18n,
) -> None:
    message = query.message
    if consented or message is None or isinstance(message, InaccessibleMessage):
        callback_answer.text = _("You have already agreed.")
        return
    agreed = await privacy.agree(
        seen, callback_data.version, i18n.current_locale, callback_data.start or None
    )
    if agreed is None:
        callback_answer.text = _("The terms have changed: please read them again.")
        await send_notice(message, privacy, callback_data.start or None, ask=True)
        return
    callback_answer.text = _("Thank you!")
    await message.edit_reply_markup(reply_markup=None)
    await welcome(
        message, bot, agreed.user, agreed.centre, quiz_service, staff, i18n, first=user is None
    )


async def privacy_command(
    message: Message,
    privacy: PrivacyService,
    settings: Settings,
    user: User | None,
    consented: bool,
) -> None:
    if user is None or not consented:
        await send_notice(message, privacy, ask=True)
        return
    await send_notice(message, privacy, ask=False)
    await message.answer(
        _(
            "You have agreed to these terms. If you stay away, your data is deleted on"
            " {expires}; /delete_me deletes it now."
        ).format(expires=f"{privacy.expires(user).astimezone(settings.tz):%d.%m.%Y}")
    )


async def my_data(message: Message, privacy: PrivacyService, user: User | None) -> None:
    if user is None:
        await message.answer(_("I store nothing about you."))
        return
    export = await privacy.export(user.id)
    document = BufferedInputFile(
        export.to_json(), filename=f"my_data_{export.made_at:%Y-%m-%d}.json"
    )
    await message.answer_document(
        document, caption=_("Everything I store about you, as it is in my database.")
    )
    await message.answer(summary(export))


TABLES = {
    "users": lambda n: _("your profile (name, username, language, where you came from)"),
    "consents": lambda n: _("consents you gave: {n}").format(n=n),
    "attempts": lambda n: _("quiz attempts: {n}").format(n=n),
    "answers": lambda n: _("answers to quiz questions: {n}").format(n=n),
    "tip_subscriptions": lambda n: _("your learning-tip settings"),
    "tip_outbox": lambda n: _("learning tips planned or sent: {n}").format(n=n),
    "tip_feedback": lambda n: _("your feedback on tips: {n}").format(n=n),
    "broadcast_outbox": lambda n: _("news sent to you: {n}").format(n=n),
    "staff": lambda n: _("staff roles: {n}").format(n=n),
    "invites": lambda n: _("invite links you opened: {n}").format(n=n),
    "fsm_states": lambda n: _("an unfinished conversation with the bot"),
}


def summary(export: Export) -> str:
    """The export in words: what kinds of records there are and how many."""
    lines = []
    for table, rows in export.tables.items():
        label = TABLES.get(table)
        line = label(len(rows)) if label else _("{table}: {n}").format(table=table, n=len(rows))
        lines.append("• " + line)
    return (
        _("<b>What I store about you</b>")
        + "\n"
        + "\n".join(lines)
        + "\n\n"
        + _("The file above has every record. /delete_me deletes them all.")
    )


async def delete_me(message: Message, user: User | None) -> None:
    if user is None:
        await message.answer(_("I store nothing about you."))
        return
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Delete everything"), callback_data=EraseCb(action=EraseAction.CONFIRM))
    builder.button(text=_("Cancel"), callback_data=EraseCb(action=EraseAction.CANCEL))
    await message.answer(
        _(
            "This withdraws your consent and deletes everything I store about you: your"
            " quiz answers and results, tips, settings and this consent. It cannot be"
            " undone. Delete?"
        ),
        reply_markup=builder.as_markup(),
    )


async def erase(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    user: User | None,
    privacy: PrivacyService,
) -> None:
    message = query.message
    if user is not None:
        await privacy.erase(user.id)
    callback_answer.text = _("Deleted.")
    text = _(
        "Done: everything I stored about you is deleted, and your consent is withdrawn."
        " If you send /start, we begin anew."
    )
    if isinstance(message, Message):
        await message.edit_text(text, reply_markup=None)


async def keep(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = _("Nothing was deleted.")
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Nothing was deleted."), reply_markup=None)

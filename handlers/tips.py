"""/tips and the buttons under each tip: subscribe, feedback, time, frequency, zone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import SubscriptionStatus, User, Verdict
from bot.i18n import human_duration
from bot.quiz import QuizRun
from bot.services.tips import Overview, TipsService
from bot.telegram import pressed_message, show
from bot.tips.catalogue import Tip, TipCatalogue
from bot.tips.planner import RUSSIAN_TIMEZONES, Window, timezone_label
from handlers.fallback import no_longer_active
from handlers.quiz.callbacks import Menu, QuizMenuCb
from handlers.quiz.screens import next_question_number

WINDOWS = ("9-12", "12-17", "17-21", "10-20", "0-24")
INTERVALS = (1, 2, 3, 7)  # days
ZONES = frozenset(zone for zone, _ru, _en in RUSSIAN_TIMEZONES)


class TipAction(StrEnum):
    USEFUL = "useful"
    NOPE = "nope"
    PAUSE = "pause"
    STOP = "stop"


class TipCb(CallbackData, prefix="t"):
    """Buttons under a delivered tip."""

    action: TipAction
    tip: str


class TipsAction(StrEnum):
    SUBSCRIBE = "sub"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    WINDOW = "window"
    EVERY = "every"
    ZONE = "tz"
    MENU = "menu"  # open the choice of window, every or tz


class TipsCb(CallbackData, prefix="ts"):
    """Buttons of the /tips screen."""

    action: TipsAction
    value: str = ""


def build_router() -> Router:
    router = Router(name="tips")
    router.message.register(tips_command, Command("tips"))
    router.callback_query.register(subscribe_from_result, QuizMenuCb.filter(F.action == Menu.TIPS))
    router.callback_query.register(tip_useful, TipCb.filter(F.action == TipAction.USEFUL))
    router.callback_query.register(tip_not_for_me, TipCb.filter(F.action == TipAction.NOPE))
    router.callback_query.register(tip_pause, TipCb.filter(F.action == TipAction.PAUSE))
    router.callback_query.register(tip_stop, TipCb.filter(F.action == TipAction.STOP))
    router.callback_query.register(open_choice, TipsCb.filter(F.action == TipsAction.MENU))
    router.callback_query.register(
        settings_subscribe, TipsCb.filter(F.action == TipsAction.SUBSCRIBE)
    )
    for action, (change, values) in SETTINGS.items():
        accepted = TipsCb.filter(F.value.in_(values)) if values is not None else TipsCb.filter()
        router.callback_query.register(
            settings_button(change), TipsCb.filter(F.action == action), accepted
        )
    return router


# --- screens ------------------------------------------------------------------------------


def tip_screen(catalogue: TipCatalogue, tip: Tip, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """A delivered tip: title, text, exercise, and the feedback buttons."""
    title, text, exercise = tip.message(locale)
    category = catalogue.category_name(tip.category, locale)
    body = f"💡 <b>{html.quote(title)}</b>\n<i>{html.quote(category)}</i>\n\n{html.quote(text)}"
    if exercise:
        body += "\n\n✍️ " + _("Try it: {exercise}").format(exercise=html.quote(exercise))
    # Built directly, not with InlineKeyboardBuilder: the builder deep-copies its rows on
    # every button, which made this screen most of a delivery round's rendering.
    buttons = [
        InlineKeyboardButton(text=label, callback_data=TipCb(action=action, tip=tip.id).pack())
        for label, action in (
            (_("👍 Useful"), TipAction.USEFUL),
            (_("🤷 Not for me"), TipAction.NOPE),
            (_("⏸ Pause tips"), TipAction.PAUSE),
            (_("✖ Unsubscribe"), TipAction.STOP),
        )
    ]
    return body, InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:]])


def reminder_screen(run: QuizRun, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The one-time nudge to finish the quiz."""
    number = next_question_number(run)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Continue from question {number}").format(number=number),
        callback_data=QuizMenuCb(action=Menu.RESUME),
    )
    text = _(
        "You stopped at question {number} of the quiz. It takes only a few more minutes,"
        " and your answers are saved."
    ).format(number=number)
    return text, builder.as_markup()


def every_text(interval: timedelta, locale: str) -> str:
    """How often tips come, in words: "every day", "every 2 days", "every 1 day 12 hours"."""
    if interval == timedelta(days=1):
        return _("every day")
    return _("every {duration}").format(duration=human_duration(interval, locale))


def window_text(window: Window) -> str:
    if window.any_time:
        return _("any time")
    return f"{window.start_hour:02d}:00–{window.end_hour:02d}:00"


def local_time(moment: datetime, view: Overview) -> str:
    tz = view.subscription.tz if view.subscription else None
    return moment.astimezone(tz).strftime("%d.%m %H:%M")


def overview_screen(view: Overview, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    sub = view.subscription
    builder = InlineKeyboardBuilder()
    lines = ["📬 <b>" + _("Learning tips") + "</b>"]
    if sub is None or sub.status == SubscriptionStatus.STOPPED:
        lines.append(
            _(
                "Short practical tips on initiative, planning and self-development, chosen"
                " for your growth areas. One every few days, at a time that suits you."
            )
        )
        builder.button(
            text=_("📬 Get learning tips"), callback_data=TipsCb(action=TipsAction.SUBSCRIBE)
        )
        return "\n\n".join(lines), builder.as_markup()

    active = sub.status == SubscriptionStatus.ACTIVE
    status = _("on") if active else _("paused")
    details = [
        _("Status: {status}").format(status=status),
        _("Sent: {sent}, still to come: {pending}").format(sent=view.sent, pending=view.pending),
    ]
    if view.next_due and active:
        details.append(_("Next tip: {when}").format(when=local_time(view.next_due, view)))
    details.append(
        _("Time: {window} · {every} · {zone}").format(
            window=window_text(sub.window),
            every=every_text(sub.interval, locale),
            zone=timezone_label(sub.timezone, locale),
        )
    )
    lines.append("\n".join(details))
    if view.pending == 0:
        lines.append(_("That was the whole series. You can start a new one."))
        builder.button(text=_("📬 New series"), callback_data=TipsCb(action=TipsAction.SUBSCRIBE))
    elif active:
        builder.button(text=_("⏸ Pause"), callback_data=TipsCb(action=TipsAction.PAUSE))
    else:
        builder.button(text=_("▶ Resume"), callback_data=TipsCb(action=TipsAction.RESUME))
    builder.button(text=_("✖ Unsubscribe"), callback_data=TipsCb(action=TipsAction.STOP))
    for label, kind in (
        (_("🕘 Time of day"), TipsAction.WINDOW),
        (_("📅 How often"), TipsAction.EVERY),
        (_("🌍 Time zone"), TipsAction.ZONE),
    ):
        builder.button(text=label, callback_data=TipsCb(action=TipsAction.MENU, value=kind))
    builder.adjust(2, 3)
    return "\n\n".join(lines), builder.as_markup()


def choice_screen(kind: str, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    if kind == TipsAction.WINDOW:
        for value in WINDOWS:
            builder.button(
                text=window_text(Window.parse(value)),
                callback_data=TipsCb(action=TipsAction.WINDOW, value=value),
            )
        text = _("When should tips come (your local time)?")
    elif kind == TipsAction.EVERY:
        for days in INTERVALS:
            builder.button(
                text=every_text(timedelta(days=days), locale),
                callback_data=TipsCb(action=TipsAction.EVERY, value=str(days)),
            )
        text = _("How often?")
    else:
        for zone, _ru, _en in RUSSIAN_TIMEZONES:
            builder.button(
                text=timezone_label(zone, locale),
                callback_data=TipsCb(action=TipsAction.ZONE, value=zone),
            )
        text = _("Your time zone:")
    builder.adjust(2)
    return text, builder.as_markup()


def subscribed_text(view: Overview) -> str:
    """The pop-up after subscribing names the time the screen shows, never "soon"."""
    if view.next_due is None:
        return _("Subscribed!")
    return _("Subscribed! The first tip: {when}.").format(when=local_time(view.next_due, view))


# --- handlers -----------------------------------------------------------------------------


async def tips_command(message: Message, user: User, tips: TipsService, i18n: I18n) -> None:
    text, markup = overview_screen(await tips.overview(user.id), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def subscribe_from_result(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    user: User,
    tips: TipsService,
    i18n: I18n,
) -> None:
    view = await tips.subscribe(user.id)
    callback_answer.text = subscribed_text(view)
    text, markup = overview_screen(view, i18n.current_locale)
    await bot.send_message(user.id, text, reply_markup=markup)


async def _feedback(
    callback_answer: CallbackAnswer, user: User, tips: TipsService, tip_id: str, verdict: Verdict
) -> None:
    if not await tips.feedback(user.id, tip_id, verdict):
        callback_answer.text = no_longer_active()
    elif verdict == Verdict.USEFUL:
        callback_answer.text = _("Thank you! Glad it helps.")
    else:
        callback_answer.text = _("Thanks, noted: I will take it into account.")


async def tip_useful(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: TipCb,
    user: User,
    tips: TipsService,
) -> None:
    await _feedback(callback_answer, user, tips, callback_data.tip, Verdict.USEFUL)


async def tip_not_for_me(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: TipCb,
    user: User,
    tips: TipsService,
) -> None:
    await _feedback(callback_answer, user, tips, callback_data.tip, Verdict.NOT_FOR_ME)


async def tip_pause(
    query: CallbackQuery, callback_answer: CallbackAnswer, user: User, tips: TipsService
) -> None:
    await tips.pause(user.id)
    callback_answer.text = _("Tips are paused. Send /tips to resume.")
    callback_answer.show_alert = True


async def tip_stop(
    query: CallbackQuery, callback_answer: CallbackAnswer, user: User, tips: TipsService
) -> None:
    await tips.stop(user.id)
    callback_answer.text = _("You have unsubscribed from tips. /tips brings them back.")
    callback_answer.show_alert = True


async def _replace(
    query: CallbackQuery, bot: Bot, user: User, screen: tuple[str, InlineKeyboardMarkup]
) -> None:
    """Show a screen in place of the pressed message (a new message if it is gone)."""
    text, markup = screen
    await show(bot, user.id, text, markup, edit=pressed_message(query))


async def open_choice(
    query: CallbackQuery, callback_data: TipsCb, bot: Bot, user: User, i18n: I18n
) -> None:
    await _replace(query, bot, user, choice_screen(callback_data.value, i18n.current_locale))


async def _saved(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    user: User,
    view: Overview,
    locale: str,
) -> None:
    callback_answer.text = _("Saved.")
    await _replace(query, bot, user, overview_screen(view, locale))


async def settings_subscribe(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    user: User,
    tips: TipsService,
    i18n: I18n,
) -> None:
    view = await tips.subscribe(user.id)
    await _replace(query, bot, user, overview_screen(view, i18n.current_locale))
    callback_answer.text = subscribed_text(view)


Change = Callable[[TipsService, int, str], Awaitable[Overview]]
"""What a /tips settings button does: (service, student id, the button's value)."""

SETTINGS: dict[TipsAction, tuple[Change, frozenset[str] | None]] = {
    TipsAction.PAUSE: (lambda tips, user_id, _value: tips.pause(user_id), None),
    TipsAction.RESUME: (lambda tips, user_id, _value: tips.resume(user_id), None),
    TipsAction.STOP: (lambda tips, user_id, _value: tips.stop(user_id), None),
    TipsAction.WINDOW: (
        lambda tips, user_id, value: tips.change(user_id, window=Window.parse(value)),
        frozenset(WINDOWS),
    ),
    TipsAction.EVERY: (
        lambda tips, user_id, value: tips.change(user_id, interval=timedelta(days=int(value))),
        frozenset(str(days) for days in INTERVALS),
    ),
    TipsAction.ZONE: (lambda tips, user_id, value: tips.change(user_id, timezone=value), ZONES),
}
"""Each settings button with its change and the values it accepts (None: no value)."""


def settings_button(change: Change) -> Callable[..., Awaitable[None]]:
    """The handler of one /tips settings button: apply the change, show the screen again."""

    async def handler(
        query: CallbackQuery,
        callback_answer: CallbackAnswer,
        callback_data: TipsCb,
        bot: Bot,
        user: User,
        tips: TipsService,
        i18n: I18n,
    ) -> None:
        view = await change(tips, user.id, callback_data.value)
        await _saved(query, callback_answer, bot, user, view, i18n.current_locale)

    return handler

"""/tips and the buttons under each tip: subscribe, feedback, time, frequency, zone."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.db.users import User
from bot.quiz import QuizRun
from bot.services.tips import ACTIVE, PAUSED, Overview, TipsService
from bot.telegram import edit_text
from bot.tips.catalogue import Tip, TipCatalogue
from bot.tips.planner import RUSSIAN_TIMEZONES, Window, timezone_label
from handlers.quiz.callbacks import Menu, QuizMenuCb
from handlers.quiz.screens import next_question_number

WINDOWS = ("9-12", "12-17", "17-21", "10-20", "0-24")
INTERVALS = (1, 2, 3, 7)  # days


class TipCb(CallbackData, prefix="t"):
    """Buttons under a delivered tip."""

    action: str  # useful | nope | pause | stop
    tip: str


class TipsCb(CallbackData, prefix="ts"):
    """Buttons of the /tips screen."""

    action: str  # sub | pause | resume | stop | window | every | tz | menu
    value: str = ""


def build_router() -> Router:
    router = Router(name="tips")
    router.message.register(tips_command, Command("tips"))
    router.callback_query.register(subscribe_from_result, QuizMenuCb.filter(F.action == Menu.TIPS))
    router.callback_query.register(tip_button, TipCb.filter())
    router.callback_query.register(settings_button, TipsCb.filter())
    return router


# --- screens ------------------------------------------------------------------------------


def tip_screen(catalogue: TipCatalogue, tip: Tip, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """A delivered tip: title, text, exercise, and the feedback buttons."""
    title, text, exercise = tip.message(locale)
    category = catalogue.category_name(tip.category, locale)
    body = f"💡 <b>{html.quote(title)}</b>\n<i>{html.quote(category)}</i>\n\n{html.quote(text)}"
    if exercise:
        body += "\n\n✍️ " + _("Try it: {exercise}").format(exercise=html.quote(exercise))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("👍 Useful"), callback_data=TipCb(action="useful", tip=tip.id))
    builder.button(text=_("🤷 Not for me"), callback_data=TipCb(action="nope", tip=tip.id))
    builder.button(text=_("⏸ Pause tips"), callback_data=TipCb(action="pause", tip=tip.id))
    builder.button(text=_("✖ Unsubscribe"), callback_data=TipCb(action="stop", tip=tip.id))
    builder.adjust(2, 2)
    return body, builder.as_markup()


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


def _every(days: float) -> str:
    if days == 1:
        return _("every day")
    if days == int(days):
        return ngettext("every {days} day", "every {days} days", int(days)).format(days=int(days))
    return _("every {hours} h").format(hours=round(days * 24, 2))


def _window_text(window: Window) -> str:
    if window.any_time:
        return _("any time")
    return f"{window.start_hour:02d}:00–{window.end_hour:02d}:00"


def overview_screen(view: Overview, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    sub = view.subscription
    builder = InlineKeyboardBuilder()
    lines = ["📬 <b>" + _("Learning tips") + "</b>"]
    if sub is None or sub.status == "stopped":
        lines.append(
            _(
                "Short practical tips on initiative, planning and self-development, chosen"
                " for your growth areas. One every few days, at a time that suits you."
            )
        )
        builder.button(text=_("📬 Get learning tips"), callback_data=TipsCb(action="sub"))
        return "\n\n".join(lines), builder.as_markup()

    tz = ZoneInfo(sub.timezone)
    window = Window(sub.window_start, sub.window_end)
    status = {ACTIVE: _("on"), PAUSED: _("paused")}.get(sub.status, sub.status)
    details = [
        _("Status: {status}").format(status=status),
        _("Sent: {sent}, still to come: {pending}").format(sent=view.sent, pending=view.pending),
    ]
    if view.next_due and sub.status == ACTIVE:
        details.append(
            _("Next tip: {when}").format(when=view.next_due.astimezone(tz).strftime("%d.%m %H:%M"))
        )
    details.append(
        _("Time: {window} · {every} · {zone}").format(
            window=_window_text(window),
            every=_every(sub.interval_seconds / 86400),
            zone=timezone_label(sub.timezone, locale),
        )
    )
    lines.append("\n".join(details))
    if view.pending == 0:
        lines.append(_("That was the whole series. You can start a new one."))
        builder.button(text=_("📬 New series"), callback_data=TipsCb(action="sub"))
    elif sub.status == ACTIVE:
        builder.button(text=_("⏸ Pause"), callback_data=TipsCb(action="pause"))
    else:
        builder.button(text=_("▶ Resume"), callback_data=TipsCb(action="resume"))
    builder.button(text=_("✖ Unsubscribe"), callback_data=TipsCb(action="stop"))
    builder.button(text=_("🕘 Time of day"), callback_data=TipsCb(action="menu", value="window"))
    builder.button(text=_("📅 How often"), callback_data=TipsCb(action="menu", value="every"))
    builder.button(text=_("🌍 Time zone"), callback_data=TipsCb(action="menu", value="tz"))
    builder.adjust(2, 3)
    return "\n\n".join(lines), builder.as_markup()


def choice_screen(kind: str, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    if kind == "window":
        for value in WINDOWS:
            builder.button(
                text=_window_text(Window.parse(value)),
                callback_data=TipsCb(action="window", value=value),
            )
        builder.adjust(2)
        text = _("When should tips come (your local time)?")
    elif kind == "every":
        for days in INTERVALS:
            builder.button(text=_every(days), callback_data=TipsCb(action="every", value=str(days)))
        builder.adjust(2)
        text = _("How often?")
    else:
        for zone, _ru, _en in RUSSIAN_TIMEZONES:
            builder.button(
                text=timezone_label(zone, locale), callback_data=TipsCb(action="tz", value=zone)
            )
        builder.adjust(2)
        text = _("Your time zone:")
    return text, builder.as_markup()


# --- handlers -----------------------------------------------------------------------------


async def tips_command(message: Message, user: User, tips: TipsService, i18n: I18n) -> None:
    text, markup = overview_screen(await tips.overview(user.id), i18n.current_locale)
    await message.answer(text, reply_markup=markup)


async def subscribe_from_result(
    query: CallbackQuery, bot: Bot, user: User, tips: TipsService, i18n: I18n
) -> None:
    view = await tips.subscribe(user.id)
    await query.answer(_("Subscribed! The first tip comes soon."))
    text, markup = overview_screen(view, i18n.current_locale)
    await bot.send_message(user.id, text, reply_markup=markup)


async def tip_button(
    query: CallbackQuery, callback_data: TipCb, user: User, tips: TipsService
) -> None:
    action = callback_data.action
    if action in ("useful", "nope"):
        verdict = "useful" if action == "useful" else "not_for_me"
        if await tips.feedback(user.id, callback_data.tip, verdict):
            await query.answer(
                _("Thank you! Glad it helps.")
                if verdict == "useful"
                else _("Thanks, noted: I will take it into account.")
            )
        else:
            await query.answer(_("This button is no longer active."))
    elif action == "pause":
        await tips.pause(user.id)
        await query.answer(_("Tips are paused. Send /tips to resume."), show_alert=True)
    elif action == "stop":
        await tips.stop(user.id)
        await query.answer(
            _("You have unsubscribed from tips. /tips brings them back."), show_alert=True
        )
    else:
        await query.answer(_("This button is no longer active."))


async def settings_button(
    query: CallbackQuery, callback_data: TipsCb, bot: Bot, user: User, tips: TipsService, i18n: I18n
) -> None:
    locale = i18n.current_locale
    action, value = callback_data.action, callback_data.value
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    if action == "menu":
        text, markup = choice_screen(value, locale)
        await query.answer()
        if message_id is None or not await edit_text(bot, user.id, message_id, text, markup):
            await bot.send_message(user.id, text, reply_markup=markup)
        return
    try:
        if action == "sub":
            view = await tips.subscribe(user.id)
        elif action == "pause":
            view = await tips.pause(user.id)
        elif action == "resume":
            view = await tips.resume(user.id)
        elif action == "stop":
            view = await tips.stop(user.id)
        elif action == "window":
            view = await tips.change(user.id, window=Window.parse(value))
        elif action == "every" and value.isdigit() and int(value) in INTERVALS:
            view = await tips.change(user.id, interval=timedelta(days=int(value)))
        elif action == "tz" and value in {zone for zone, _ru, _en in RUSSIAN_TIMEZONES}:
            view = await tips.change(user.id, timezone=value)
        else:
            raise ValueError(f"unknown tips action {action!r} {value!r}")
    except ValueError:
        await query.answer(_("This button is no longer active."))
        return
    await query.answer(_("Saved."))
    text, markup = overview_screen(view, locale)
    if message_id is None or not await edit_text(bot, user.id, message_id, text, markup):
        await bot.send_message(user.id, text, reply_markup=markup)

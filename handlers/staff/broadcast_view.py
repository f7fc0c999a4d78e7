"""How broadcasts look: to recipients (in their own language) and to the operator
(the audience, the live progress, the final report)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import Audience, Broadcast, BroadcastCounts, BroadcastStatus
from bot.i18n import human_duration
from bot.quiz import Quiz
from bot.tips.catalogue import TipCatalogue
from handlers.news import news_off_button
from handlers.staff.callbacks import BcAction, BcCb
from handlers.staff.common import local_time
from handlers.tips import tip_screen

BAR = 10


def current_locale() -> str:
    return str(get_i18n().current_locale)


def _duration(duration: timedelta) -> str:
    return human_duration(max(duration, timedelta(seconds=1)), current_locale())


# --- what students get ------------------------------------------------------------------


def recipient_markup(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """Link buttons, one per row, and the news opt-out under them."""
    rows = [[InlineKeyboardButton(text=text, url=url)] for text, url in buttons]
    rows.append([news_off_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def recipient_tip(catalogue: TipCatalogue, tip_id: str) -> tuple[str, InlineKeyboardMarkup] | None:
    """A catalogue tip with its usual buttons, and the news opt-out under them."""
    tip = catalogue.get(tip_id)
    if tip is None:
        return None
    text, markup = tip_screen(catalogue, tip, current_locale())
    rows = [*markup.inline_keyboard, [news_off_button()]]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


# --- what the operator sees -------------------------------------------------------------


def status_name(status: BroadcastStatus) -> str:
    return {
        BroadcastStatus.DRAFT: _("draft"),
        BroadcastStatus.SCHEDULED: _("scheduled"),
        BroadcastStatus.SENDING: _("sending"),
        BroadcastStatus.PAUSED: _("paused"),
        BroadcastStatus.CANCELLED: _("cancelled"),
        BroadcastStatus.DONE: _("done"),
    }[status]


def audience_lines(audience: Audience, quiz: Quiz, centre_name: str | None) -> list[str]:
    """The audience's filters in words; "all students" when there are none."""
    locale = current_locale()
    if audience.everyone:
        return [_("all students")]
    lines = []
    if audience.centre_id is not None:
        lines.append(_("career centre: {name}").format(name=html.quote(centre_name or "?")))
    if audience.band is not None:
        bands = {b.id: b.title.get(locale) for b in quiz.outcomes.bands}
        lines.append(
            _("result: {band} (not flagged as careless)").format(
                band=html.quote(bands.get(audience.band, audience.band))
            )
        )
    if audience.specialisation is not None:
        specs = {s.id: s.name.get(locale) for s in quiz.outcomes.specialisations}
        name = specs.get(audience.specialisation, audience.specialisation)
        lines.append(
            _("recommended: {name} (not flagged as careless)").format(name=html.quote(name))
        )
    if audience.finished is not None:
        lines.append(
            _("finished the quiz") if audience.finished else _("has not finished the quiz")
        )
    if audience.subscribed is not None:
        lines.append(
            _("subscribed to tips") if audience.subscribed else _("not subscribed to tips")
        )
    if audience.language is not None:
        lines.append(_("language: {language}").format(language=audience.language))
    if audience.active_days is not None:
        lines.append(
            _("wrote to the bot in the last {days} days").format(days=audience.active_days)
        )
    return lines


def progress_screen(
    broadcast: Broadcast, counts: BroadcastCounts, left: timedelta, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The operator's live progress message, with the buttons that can still act."""
    lines = [
        _("📣 Broadcast #{id} · {status}").format(
            id=broadcast.id, status=status_name(broadcast.status)
        )
    ]
    if broadcast.status == BroadcastStatus.SCHEDULED:
        if broadcast.scheduled_at is not None:
            lines.append(_("Starts {when}").format(when=local_time(broadcast.scheduled_at, tz)))
    else:
        lines.append(
            _("Sent {sent} of {total} · blocked the bot: {blocked} · failed: {failed}").format(
                sent=counts.sent, total=counts.total, blocked=counts.blocked, failed=counts.failed
            )
        )
        if counts.skipped:
            lines.append(_("Not sent (cancelled): {n}").format(n=counts.skipped))
        if counts.uncertain:
            lines.append(_("Uncertain (interrupted by a restart): {n}").format(n=counts.uncertain))
        if broadcast.status == BroadcastStatus.SENDING and counts.left:
            lines.append(_("About {left} left").format(left=_duration(left)))
        if counts.total:
            done = counts.total - counts.left
            filled = BAR * done // counts.total
            lines.append(f"{'▓' * filled}{'░' * (BAR - filled)} {100 * done // counts.total}%")
    builder = InlineKeyboardBuilder()
    if broadcast.status == BroadcastStatus.SENDING:
        builder.button(
            text=_("⏸ Pause"), callback_data=BcCb(action=BcAction.PAUSE, id=broadcast.id)
        )
    if broadcast.status == BroadcastStatus.PAUSED:
        builder.button(
            text=_("▶️ Resume"), callback_data=BcCb(action=BcAction.RESUME, id=broadcast.id)
        )
    if not broadcast.status.over:
        builder.button(
            text=_("✖ Cancel broadcast"), callback_data=BcCb(action=BcAction.STOP, id=broadcast.id)
        )
    return "\n".join(lines), builder.as_markup() if builder.buttons else None


def report_text(broadcast: Broadcast, counts: BroadcastCounts) -> str:
    """The final report, sent once when a broadcast is over."""
    verdict = _("done") if broadcast.status == BroadcastStatus.DONE else _("cancelled")
    lines = [
        _("📊 Broadcast #{id} {verdict}: sent {sent} of {total}.").format(
            id=broadcast.id, verdict=verdict, sent=counts.sent, total=counts.total
        ),
        _("Blocked the bot: {blocked} · failed: {failed} · not sent: {skipped}").format(
            blocked=counts.blocked, failed=counts.failed, skipped=counts.skipped
        ),
    ]
    if counts.uncertain:
        lines.append(
            _(
                "Uncertain: {n} (in flight when the bot restarted; sent again, so they may"
                " have got it twice)."
            ).format(n=counts.uncertain)
        )
    if broadcast.started_at and broadcast.finished_at:
        lines.append(
            _("Took {took}.").format(took=_duration(broadcast.finished_at - broadcast.started_at))
        )
    return "\n".join(lines)

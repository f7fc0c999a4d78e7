"""/stats and /export for centre managers and admins, and the digest's on/off button.

A manager sees their own centre(s); an admin chooses a centre or every student.
Which centre a button names is checked again by the statistics service, so a
forged or stale button shows nothing that is not the presser's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.clock import Clock
from bot.domain import Access, DigestRecipient, Role, User
from bot.quiz import Quiz
from bot.render import render_stats_chart
from bot.render.worker import draw
from bot.services.centres import CentresService
from bot.services.digests import DigestService
from bot.services.staff import StaffService
from bot.services.stats import NotAllowed, Scope, StatsService
from bot.stats.report import Period, StatsReport
from bot.stats.table import to_csv
from handlers.filters import HasRole
from handlers.staff.callbacks import DigestCb, StatsAction, StatsCb
from handlers.staff.report_view import (
    ReportContext,
    chart_input,
    csv_rows,
    hidden_text,
    period_name,
    report_text,
)

log = logging.getLogger(__name__)

PERIODS = (Period.WEEK, Period.MONTH, Period.ALL)


def build_router() -> Router:
    router = Router(name="staff-stats")
    viewers = HasRole(Role.ADMIN, Role.MANAGER)
    router.message.filter(viewers)
    router.callback_query.filter(viewers)
    router.message.register(report_command, Command("stats", "export"))
    router.callback_query.register(choose, StatsCb.filter(F.action == StatsAction.CHOOSE))
    router.callback_query.register(
        open_report,
        StatsCb.filter(F.action.in_({StatsAction.SHOW, StatsAction.EXPORT})),
        AllowedScope(),
    )
    router.callback_query.register(toggle_digest, DigestCb.filter())
    return router


class AllowedScope(BaseFilter):
    """Passes a statistics button on with the presser's `access` and the `scope` it
    names, only if the presser may see that scope; anyone else's press is stale."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: StatsCb,
        user: User,
        staff: StaffService,
        stats_service: StatsService,
    ) -> bool | dict[str, Any]:
        access = await staff.access(user.id)
        scope = Scope(callback_data.centre or None)
        return {"access": access, "scope": scope} if stats_service.allowed(access, scope) else False


async def _choices(
    access: Access, centres: CentresService, action: StatsAction
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if access.admin:
        builder.button(text=_("All students"), callback_data=StatsCb(action=action, centre=0))
        listed = [row.centre for row in await centres.listing()]
        listed += [row.centre for row in await centres.listing(archived=True)]
    else:
        listed = await centres.visible_to(access.centres)
    for centre in listed:
        name = centre.name[:50] + (" 🗄" if centre.archived else "")
        builder.button(text=name, callback_data=StatsCb(action=action, centre=centre.id))
    builder.adjust(1)
    return builder.as_markup()


def _single_scope(access: Access) -> Scope | None:
    """The only scope a manager of one centre can mean; None when there is a choice."""
    if not access.admin and len(access.centres) == 1:
        return Scope(next(iter(access.centres)))
    return None


@dataclass(frozen=True)
class Ready:
    """A report the viewer may see, with what rendering it needs."""

    access: Access
    scope: Scope
    period: Period
    report: StatsReport
    ctx: ReportContext


async def report_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    user: User,
    staff: StaffService,
    centres: CentresService,
    stats_service: StatsService,
    i18n: I18n,
    clock: Clock,
) -> None:
    """/stats (last 30 days) and /export (all time) of the one centre a manager has;
    a choice of centres for anyone who sees more than one."""
    action = StatsAction.SHOW if command.command == "stats" else StatsAction.EXPORT
    access = await staff.access(user.id)
    scope = _single_scope(access)
    if scope is None:
        question = (
            _("Statistics of which centre?")
            if action == StatsAction.SHOW
            else _("Export the statistics of which centre?")
        )
        await message.answer(question, reply_markup=await _choices(access, centres, action))
        return
    period = Period.MONTH if action == StatsAction.SHOW else Period.ALL
    await _deliver(bot, user, action, access, scope, period, centres, stats_service, i18n, clock)


async def choose(
    query: CallbackQuery, user: User, staff: StaffService, centres: CentresService
) -> None:
    access = await staff.access(user.id)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Statistics of which centre?"),
            reply_markup=await _choices(access, centres, StatsAction.SHOW),
        )


async def open_report(
    query: CallbackQuery,
    callback_data: StatsCb,
    access: Access,
    scope: Scope,
    bot: Bot,
    user: User,
    centres: CentresService,
    stats_service: StatsService,
    i18n: I18n,
    clock: Clock,
) -> None:
    await _deliver(
        bot,
        user,
        callback_data.action,
        access,
        scope,
        callback_data.period,
        centres,
        stats_service,
        i18n,
        clock,
    )


async def _deliver(
    bot: Bot,
    user: User,
    action: StatsAction,
    access: Access,
    scope: Scope,
    period: Period,
    centres: CentresService,
    stats_service: StatsService,
    i18n: I18n,
    clock: Clock,
) -> None:
    if scope.centre_id is None:
        name: str | None = _("All students")
    else:
        centre = await centres.get(scope.centre_id)
        name = None if centre is None else centre.name
    if name is None:
        await bot.send_message(user.id, _("This centre no longer exists."))
        return
    try:
        report = await stats_service.report(access, scope, period)
    except NotAllowed:  # checked by the filter too: the service has the last word
        await bot.send_message(user.id, _("These statistics are not available to you."))
        return
    ready = Ready(
        access,
        scope,
        period,
        report,
        ReportContext(name, period, stats_service.quiz, i18n.current_locale),
    )
    if action == StatsAction.EXPORT:
        await _send_export(bot, user.id, ready, clock)
    else:
        await _send_stats(bot, user.id, ready)


def _keyboard(ready: Ready) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    centre = ready.scope.centre_id or 0
    for option in PERIODS:
        mark = "• " if option == ready.period else ""
        builder.button(
            text=mark + period_name(option),
            callback_data=StatsCb(action=StatsAction.SHOW, centre=centre, period=option),
        )
    builder.button(
        text=_("📥 CSV for Excel"),
        callback_data=StatsCb(action=StatsAction.EXPORT, centre=centre, period=ready.period),
    )
    if ready.access.admin or len(ready.access.centres) > 1:
        builder.button(text=_("« Other centre"), callback_data=StatsCb(action=StatsAction.CHOOSE))
    builder.adjust(3, 1, 1)
    return builder.as_markup()


async def _send_stats(bot: Bot, chat_id: int, ready: Ready) -> None:
    """The chart (if it renders), then the short text with the period buttons."""
    name, period = ready.ctx.scope_name, ready.period
    async with ChatActionSender.upload_photo(chat_id=chat_id, bot=bot):
        try:
            png = await draw(render_stats_chart, chart_input(ready.report, ready.ctx))
        except Exception:  # the numbers matter more than the picture
            log.exception("statistics chart failed to render")
        else:
            await bot.send_photo(
                chat_id,
                BufferedInputFile(png, "stats.png"),
                caption=f"📊 {html.quote(name)} · {period_name(period)}",
            )
    await bot.send_message(
        chat_id, report_text(ready.report, ready.ctx), reply_markup=_keyboard(ready)
    )


async def _send_export(bot: Bot, chat_id: int, ready: Ready, clock: Clock) -> None:
    now = clock.now()
    data = to_csv(csv_rows(ready.report, ready.ctx, now), hidden_text(ready.report))
    filename = f"stats-{ready.scope.centre_id or 'all'}-{ready.period}-{now:%Y-%m-%d}.csv"
    await bot.send_document(
        chat_id,
        BufferedInputFile(data, filename),
        caption=_("{name} · {period}. Opens in Excel and LibreOffice by double-click.").format(
            name=html.quote(ready.ctx.scope_name), period=period_name(ready.period)
        ),
    )


async def toggle_digest(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: DigestCb,
    user: User,
    digests: DigestService,
) -> None:
    if not await digests.set_wanted(user.id, callback_data.centre, callback_data.on):
        callback_answer.text = _("You are not a manager of this centre.")
        callback_answer.show_alert = True
        return
    if callback_data.on:
        callback_answer.text = _("The weekly digest is on again.")
    else:
        callback_answer.text = _(
            "The weekly digest is off. Turn it on again with the button under any digest."
        )
    if isinstance(query.message, Message):
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("🔔 Turn the digest back on")
            if not callback_data.on
            else _("🔕 Turn off the weekly digest"),
            callback_data=DigestCb(centre=callback_data.centre, on=not callback_data.on),
        )
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())


def digest_screen(
    quiz: Quiz, recipient: DigestRecipient, report: StatsReport, new: int, k: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The weekly digest, rendered in the recipient's locale (set by the caller)."""
    ctx = ReportContext(recipient.centre_name, Period.WEEK, quiz, str(get_i18n().current_locale))
    fresh = html.quote(f"<{k}") if new < k else str(new)
    text = (
        _("🗓 <b>Weekly digest</b>: {fresh} students finished the quiz since the last one.").format(
            fresh=fresh
        )
        + "\n\n"
        + report_text(report, ctx)
    )
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📊 Full statistics"),
        callback_data=StatsCb(
            action=StatsAction.SHOW, centre=recipient.centre_id, period=Period.WEEK
        ),
    )
    builder.button(
        text=_("🔕 Turn off the weekly digest"),
        callback_data=DigestCb(centre=recipient.centre_id, on=False),
    )
    builder.adjust(1)
    return text, builder.as_markup()

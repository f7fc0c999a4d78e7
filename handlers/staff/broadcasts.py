"""/broadcast and /broadcasts for operators and admins.

Composing is a short conversation: the message as students should see it (anything
Telegram can copy) or a tip of the catalogue; optional link buttons; the audience,
with the number of recipients shown live; a preview of the exact message; now or at
a time; confirm. Then a progress message, edited every few seconds, with Pause,
Resume and Cancel, and a final report.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import BaseFilter, Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import Audience, Broadcast, BroadcastKind, BroadcastStatus, Role, User
from bot.i18n import human_duration
from bot.quiz import Quiz
from bot.services.broadcasts import BroadcastService
from bot.services.centres import CentresService
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.tips import TipsService
from bot.telegram import pressed_message, show
from handlers.filters import HasRole
from handlers.staff.broadcast_view import (
    audience_lines,
    current_locale,
    progress_screen,
    recipient_markup,
    recipient_tip,
    status_name,
)
from handlers.staff.callbacks import BcAction, BcCb
from handlers.staff.common import local_time

BUTTON_LINE = re.compile(r"^\s*(?P<text>\S.*?)\s+[-—|]\s+(?P<url>https?://\S+)\s*$")
MAX_BUTTONS = 8
BUTTON_TEXT_MAX = 40
WHEN_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M")
CYCLES: dict[str, tuple[str, ...]] = {
    "finished": ("", "1", "0"),
    "subscribed": ("", "1", "0"),
    "language": ("", "ru", "en"),
    "active_days": ("", "7", "30", "90"),
}


class Compose(StatesGroup):
    content = State()
    buttons = State()
    when = State()


def build_router() -> Router:
    router = Router(name="staff-broadcasts")
    senders = HasRole(Role.ADMIN, Role.OPERATOR)
    router.message.filter(senders)
    router.callback_query.filter(senders)
    router.message.register(broadcast_command, Command("broadcast"))
    router.message.register(broadcasts_command, Command("broadcasts"))
    composing = StateFilter(Compose.content, Compose.buttons, Compose.when)
    router.message.register(cancel_compose, Command("cancel"), composing)
    router.message.register(content_received, Compose.content, ~F.text.startswith("/"))
    router.message.register(buttons_received, Compose.buttons, F.text, ~F.text.startswith("/"))
    router.message.register(buttons_need_text, Compose.buttons, ~F.text.startswith("/"))
    router.message.register(when_received, Compose.when, F.text, ~F.text.startswith("/"))
    router.callback_query.register(tip_categories, BcCb.filter(F.action == BcAction.TIPS))
    router.callback_query.register(tip_list, BcCb.filter(F.action == BcAction.CATEGORY))
    router.callback_query.register(tip_chosen, BcCb.filter(F.action == BcAction.TIP))
    for action, handler in DRAFT_BUTTONS.items():
        router.callback_query.register(
            handler, BcCb.filter(F.action == action), OwnBroadcast(draft=True)
        )
    router.callback_query.register(
        open_broadcast, BcCb.filter(F.action == BcAction.OPEN), OwnBroadcast(view=True)
    )
    for action, handler in CONTROL_BUTTONS.items():
        router.callback_query.register(handler, BcCb.filter(F.action == action), OwnBroadcast())
    return router


class OwnBroadcast(BaseFilter):
    """Passes a button on with the broadcast it names as `broadcast`, and whether the
    presser may control it as `controls`.

    A draft is only its composer's. A confirmed broadcast is controlled (paused,
    resumed, cancelled) by its sender and by admins; with `view`, any operator may look
    at its figures. With `draft`, only while it is a draft: a composing button pressed
    after confirming is a stale one.
    """

    def __init__(self, *, draft: bool = False, view: bool = False) -> None:
        self.draft = draft
        self.view = view

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: BcCb,
        user: User,
        staff: StaffService,
        broadcasts: BroadcastService,
    ) -> bool | dict[str, Any]:
        broadcast = await broadcasts.get(callback_data.id) if callback_data.id else None
        if broadcast is None:
            return False
        is_draft = broadcast.status == BroadcastStatus.DRAFT
        if self.draft != is_draft and not (self.view and not is_draft):
            return False
        mine = broadcast.created_by == user.id
        controls = mine or (not is_draft and (await staff.access(user.id)).admin)
        if not controls and not (self.view and not is_draft):
            return False
        return {"broadcast": broadcast, "controls": controls}


# --- 1. content --------------------------------------------------------------------------


async def broadcast_command(message: Message, state: FSMContext) -> None:
    await state.set_state(Compose.content)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📚 A tip from the catalogue"), callback_data=BcCb(action=BcAction.TIPS))
    await message.answer(
        _(
            "📣 <b>New broadcast</b>\n\nSend the message exactly as students should see it:"
            " text with formatting, a photo, video or document with a caption. Or pick a tip"
            " from the catalogue: each student gets it in their own language.\n\n/cancel to stop."
        ),
        reply_markup=builder.as_markup(),
    )


async def cancel_compose(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Broadcast cancelled: nothing was sent."))


async def content_received(
    message: Message, state: FSMContext, user: User, broadcasts: BroadcastService
) -> None:
    draft = await broadcasts.draft_copy(user.id, message.chat.id, message.message_id)
    await state.set_state(Compose.buttons)
    await state.update_data(broadcast=draft.id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip ▸"), callback_data=BcCb(action=BcAction.SKIP, id=draft.id))
    await message.answer(
        _(
            "Add link buttons under it? Send one per line as <code>Text - https://link</code>,"
            " for example:\n<code>Register - https://example.org/fair</code>\n\nOr press Skip."
        ),
        reply_markup=builder.as_markup(),
    )


def parse_buttons(text: str) -> list[tuple[str, str]] | int:
    """Link buttons from lines "Text - https://link"; the number of the first bad line."""
    found: list[tuple[str, str]] = []
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        match = BUTTON_LINE.match(line)
        if match is None or len(match["text"]) > BUTTON_TEXT_MAX or number > MAX_BUTTONS:
            return number
        found.append((match["text"], match["url"]))
    return found if found else 1


async def buttons_received(
    message: Message,
    bot: Bot,
    state: FSMContext,
    user: User,
    broadcasts: BroadcastService,
    centres: CentresService,
    stats_service: StatsService,
) -> None:
    assert message.text is not None  # the F.text filter
    parsed = parse_buttons(message.text)
    if isinstance(parsed, int):
        await message.answer(
            _(
                "Line {number} is not a button. Write <code>Text - https://link</code>, up to"
                " {count} lines, text up to {limit} characters. Send them again, or press Skip."
            ).format(number=parsed, count=MAX_BUTTONS, limit=BUTTON_TEXT_MAX)
        )
        return
    broadcast_id = int((await state.get_data()).get("broadcast", 0))
    await broadcasts.set_buttons(broadcast_id, parsed)
    await state.set_state(None)
    draft = await broadcasts.get(broadcast_id)
    if draft is not None:
        await _audience(bot, user.id, draft, broadcasts, centres, stats_service, None)


async def buttons_need_text(message: Message) -> None:
    await message.answer(_("Send the buttons as text, or press Skip."))


# --- or a tip ----------------------------------------------------------------------------


async def tip_categories(query: CallbackQuery, bot: Bot, user: User, tips: TipsService) -> None:
    catalogue = tips.catalogue
    locale = current_locale()
    builder = InlineKeyboardBuilder()
    for category in catalogue.category_ids:
        builder.button(
            text=f"{catalogue.category_name(category, locale)}"
            f" ({len(catalogue.in_category(category))})",
            callback_data=BcCb(action=BcAction.CATEGORY, value=category),
        )
    builder.adjust(1)
    await show(bot, user.id, _("Tips by topic:"), builder.as_markup(), edit=pressed_message(query))


async def tip_list(
    query: CallbackQuery, callback_data: BcCb, bot: Bot, user: User, tips: TipsService
) -> None:
    catalogue = tips.catalogue
    locale = current_locale()
    builder = InlineKeyboardBuilder()
    if callback_data.value in catalogue.category_ids:
        for tip in catalogue.in_category(callback_data.value):
            title, _text, _exercise = tip.message(locale)
            builder.button(text=title[:60], callback_data=BcCb(action=BcAction.TIP, value=tip.id))
    builder.button(text=_("« Topics"), callback_data=BcCb(action=BcAction.TIPS))
    builder.adjust(1)
    await show(bot, user.id, _("Which tip?"), builder.as_markup(), edit=pressed_message(query))


async def tip_chosen(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: BcCb,
    bot: Bot,
    user: User,
    state: FSMContext,
    tips: TipsService,
    broadcasts: BroadcastService,
    centres: CentresService,
    stats_service: StatsService,
) -> None:
    if callback_data.value not in tips.catalogue:
        callback_answer.text = _("This tip is no longer in the catalogue.")
        return
    draft = await broadcasts.draft_tip(user.id, callback_data.value)
    await state.set_state(None)
    await _audience(bot, user.id, draft, broadcasts, centres, stats_service, pressed_message(query))


# --- 2. audience -------------------------------------------------------------------------


async def _audience(
    bot: Bot,
    chat_id: int,
    draft: Broadcast,
    broadcasts: BroadcastService,
    centres: CentresService,
    stats: StatsService,
    edit: int | None,
) -> None:
    audience = draft.audience
    centre = await centres.get(audience.centre_id) if audience.centre_id is not None else None
    size = await broadcasts.audience_size(audience)
    lines = [_("👥 <b>Audience</b>")]
    lines += [
        f"• {line}"
        for line in audience_lines(audience, stats.quiz, centre.name if centre else None)
    ]
    lines += [
        "",
        _(
            "Recipients now: <b>{count}</b> (students who blocked the bot or turned news off"
            " are left out)."
        ).format(count=size),
    ]
    await show(bot, chat_id, "\n".join(lines), _audience_keyboard(draft, stats), edit=edit)


def _audience_keyboard(draft: Broadcast, stats: StatsService) -> InlineKeyboardMarkup:
    audience = draft.audience
    quiz = stats.quiz

    def setting(field: str, value: object) -> BcCb:
        return BcCb(
            action=BcAction.SET, id=draft.id, value=f"{field}={'' if value is None else value}"
        )

    def following(field: str, current: object) -> str:
        cycle = CYCLES[field]
        now = "" if current is None else str(int(current) if isinstance(current, bool) else current)
        return cycle[(cycle.index(now) + 1) % len(cycle)] if now in cycle else ""

    any_ = _("any")
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🏫 Centre ▸"), callback_data=BcCb(action=BcAction.CENTRES, id=draft.id))
    bands = [None, *(b.id for b in quiz.outcomes.bands)]
    next_band = (
        bands[(bands.index(audience.band) + 1) % len(bands)] if audience.band in bands else None
    )
    builder.button(
        text=_("📈 Result: {v}").format(v=audience.band or any_),
        callback_data=setting("band", next_band),
    )
    specs = [None, *(s.id for s in quiz.outcomes.specialisations)]
    next_spec = (
        specs[(specs.index(audience.specialisation) + 1) % len(specs)]
        if audience.specialisation in specs
        else None
    )
    builder.button(
        text=_("🧭 Recommended: {v}").format(v=audience.specialisation or any_),
        callback_data=setting("specialisation", next_spec),
    )
    yes_no = {None: any_, True: _("yes"), False: _("no")}
    builder.button(
        text=_("✅ Finished the quiz: {v}").format(v=yes_no[audience.finished]),
        callback_data=setting("finished", following("finished", audience.finished)),
    )
    builder.button(
        text=_("💡 Subscribed to tips: {v}").format(v=yes_no[audience.subscribed]),
        callback_data=setting("subscribed", following("subscribed", audience.subscribed)),
    )
    builder.button(
        text=_("🌐 Language: {v}").format(v=audience.language or any_),
        callback_data=setting("language", following("language", audience.language)),
    )
    active = _("{days} days").format(days=audience.active_days) if audience.active_days else any_
    builder.button(
        text=_("🕒 Active in the last: {v}").format(v=active),
        callback_data=setting("active_days", following("active_days", audience.active_days)),
    )
    builder.button(text=_("♻️ All students"), callback_data=setting("reset", ""))
    builder.button(text=_("👁 Preview ▸"), callback_data=BcCb(action=BcAction.PREVIEW, id=draft.id))
    builder.button(text=_("✖ Discard"), callback_data=BcCb(action=BcAction.DISCARD, id=draft.id))
    builder.adjust(1, 2, 2, 2, 1, 2)
    return builder.as_markup()


def changed_audience(audience: Audience, value: str, quiz: Quiz) -> Audience | None:
    """The audience after a press "field=value" (empty value: any); None for a forged one."""
    field, _sep, raw = value.partition("=")
    if field == "reset":
        return Audience()
    allowed: dict[str, Callable[[str], object]] = {
        "band": lambda v: v if v in {b.id for b in quiz.outcomes.bands} else None,
        "specialisation": lambda v: (
            v if v in {s.id for s in quiz.outcomes.specialisations} else None
        ),
        "language": lambda v: v if v in ("ru", "en") else None,
        "finished": lambda v: {"1": True, "0": False}.get(v),
        "subscribed": lambda v: {"1": True, "0": False}.get(v),
        "active_days": lambda v: int(v) if v in CYCLES["active_days"] else None,
        "centre_id": lambda v: int(v) if v.isdigit() and len(v) < 19 else None,
    }
    if field not in allowed:
        return None
    converted = None if raw == "" else allowed[field](raw)
    if raw != "" and converted is None:
        return None
    return Audience.from_dict({**audience.to_dict(), field: converted})


async def show_audience(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    state: FSMContext,
    broadcasts: BroadcastService,
    centres: CentresService,
    stats_service: StatsService,
) -> None:
    await state.set_state(None)
    await _audience(
        bot, user.id, broadcast, broadcasts, centres, stats_service, pressed_message(query)
    )


async def set_filter(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: BcCb,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    broadcasts: BroadcastService,
    centres: CentresService,
    stats_service: StatsService,
) -> None:
    audience = changed_audience(broadcast.audience, callback_data.value, stats_service.quiz)
    if audience is None:
        callback_answer.text = _("This button is no longer active.")
        return
    await broadcasts.set_audience(broadcast.id, audience)
    await _audience(
        bot,
        user.id,
        replace(broadcast, audience=audience),
        broadcasts,
        centres,
        stats_service,
        pressed_message(query),
    )


async def choose_centre(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    centres: CentresService,
) -> None:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Any centre"),
        callback_data=BcCb(action=BcAction.SET, id=broadcast.id, value="centre_id="),
    )
    for row in await centres.listing():
        builder.button(
            text=row.centre.name[:50],
            callback_data=BcCb(
                action=BcAction.SET, id=broadcast.id, value=f"centre_id={row.centre.id}"
            ),
        )
    builder.adjust(1)
    await show(
        bot,
        user.id,
        _("Students of which career centre?"),
        builder.as_markup(),
        edit=pressed_message(query),
    )


# --- 3. preview, 4. when and confirm ----------------------------------------------------


async def _send_preview(bot: Bot, chat_id: int, broadcast: Broadcast, tips: TipsService) -> None:
    """The exact message a student would get (in the operator's language)."""
    if broadcast.kind == BroadcastKind.TIP:
        assert broadcast.tip_id is not None
        rendered = recipient_tip(tips.catalogue, broadcast.tip_id)
        if rendered is None:
            await bot.send_message(chat_id, _("This tip is no longer in the catalogue."))
            return
        text, markup = rendered
        await bot.send_message(chat_id, text, reply_markup=markup)
        return
    assert broadcast.source_chat_id is not None
    assert broadcast.source_message_id is not None
    await bot.copy_message(
        chat_id,
        broadcast.source_chat_id,
        broadcast.source_message_id,
        reply_markup=recipient_markup(broadcast.buttons),
    )


async def preview(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    tips: TipsService,
    broadcasts: BroadcastService,
) -> None:
    await _send_preview(bot, user.id, broadcast, tips)
    size = await broadcasts.audience_size(broadcast.audience)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🚀 Send now"), callback_data=BcCb(action=BcAction.NOW, id=broadcast.id))
    builder.button(
        text=_("🕒 Schedule"), callback_data=BcCb(action=BcAction.LATER, id=broadcast.id)
    )
    builder.button(
        text=_("◀ Audience"), callback_data=BcCb(action=BcAction.AUDIENCE, id=broadcast.id)
    )
    builder.button(
        text=_("✖ Discard"), callback_data=BcCb(action=BcAction.DISCARD, id=broadcast.id)
    )
    builder.adjust(2, 2)
    await bot.send_message(
        user.id,
        _("☝️ This is what {count} students will get. Send it now or at a time?").format(count=size),
        reply_markup=builder.as_markup(),
    )


async def _confirm_screen(
    bot: Bot,
    chat_id: int,
    broadcast: Broadcast,
    at: datetime | None,
    broadcasts: BroadcastService,
    settings: Settings,
    edit: int | None,
) -> None:
    size = await broadcasts.audience_size(broadcast.audience)
    took = human_duration(broadcasts.estimate(max(size, 1)), current_locale())
    if at is None:
        text = _(
            "Send to <b>{count}</b> students now? At {rate:g} messages a second it takes"
            " about {took}."
        )
    else:
        text = _(
            "Send to about <b>{count}</b> students on <b>{when}</b> ({zone})? At {rate:g} messages"
            " a second it takes about {took}. Who gets it is decided when it starts."
        )
    builder = InlineKeyboardBuilder()
    value = "" if at is None else str(int(at.timestamp()))
    builder.button(
        text=_("✅ Confirm"),
        callback_data=BcCb(action=BcAction.CONFIRM, id=broadcast.id, value=value),
    )
    builder.button(
        text=_("◀ Audience"), callback_data=BcCb(action=BcAction.AUDIENCE, id=broadcast.id)
    )
    builder.adjust(1)
    await show(
        bot,
        chat_id,
        text.format(
            count=size,
            rate=broadcasts.settings.rate,
            took=took,
            when=local_time(at, settings.tz) if at else "",
            zone=settings.timezone,
        ),
        builder.as_markup(),
        edit=edit,
    )


async def send_now(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    broadcasts: BroadcastService,
    settings: Settings,
) -> None:
    await _confirm_screen(
        bot, user.id, broadcast, None, broadcasts, settings, pressed_message(query)
    )


async def ask_when(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    state: FSMContext,
    settings: Settings,
) -> None:
    await state.set_state(Compose.when)
    await state.update_data(broadcast=broadcast.id)
    await bot.send_message(
        user.id,
        _(
            "When? Send the date and time in {zone}, for example <code>28.11.2026 18:30</code>."
            " /cancel to stop."
        ).format(zone=settings.timezone),
    )


def parse_when(text: str, settings: Settings, now: datetime) -> datetime | None:
    for pattern in WHEN_FORMATS:
        try:
            local = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        moment = local.replace(tzinfo=settings.tz)
        return moment if moment > now else None
    return None


async def when_received(
    message: Message,
    bot: Bot,
    user: User,
    state: FSMContext,
    broadcasts: BroadcastService,
    settings: Settings,
) -> None:
    assert message.text is not None
    now = broadcasts.clock.now()
    at = parse_when(message.text, settings, now)
    if at is None:
        await message.answer(
            _(
                "I need a date and time in the future, like <code>28.11.2026 18:30</code>"
                " ({zone}). Try again, or /cancel."
            ).format(zone=settings.timezone)
        )
        return
    broadcast = await broadcasts.get(int((await state.get_data()).get("broadcast", 0)))
    await state.set_state(None)
    if broadcast is None or broadcast.created_by != user.id:
        await message.answer(_("This broadcast is gone. Start again with /broadcast."))
        return
    await _confirm_screen(bot, user.id, broadcast, at, broadcasts, settings, None)


async def confirm(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: BcCb,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    broadcasts: BroadcastService,
    settings: Settings,
) -> None:
    at = (
        datetime.fromtimestamp(int(callback_data.value), tz=settings.tz)
        if callback_data.value.isdigit()
        else None
    )
    progress = pressed_message(query)
    if not await broadcasts.confirm(broadcast.id, at, progress):
        callback_answer.text = _("This broadcast is already confirmed: see /broadcasts.")
        return
    view = await _progress_view(broadcasts, broadcast.id, settings)
    if view is not None and progress is not None:
        await show(bot, user.id, *view, edit=progress)
    callback_answer.text = _("Confirmed.")


async def discard(
    query: CallbackQuery,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
    state: FSMContext,
) -> None:
    await state.clear()
    await show(
        bot, user.id, _("Broadcast cancelled: nothing was sent."), None, edit=pressed_message(query)
    )


# --- control -----------------------------------------------------------------------------


async def broadcasts_command(
    message: Message, broadcasts: BroadcastService, settings: Settings
) -> None:
    recent = await broadcasts.recent()
    if not recent:
        await message.answer(_("No broadcasts yet. Compose one: /broadcast"))
        return
    lines = [_("<b>Broadcasts</b> (newest first):")]
    builder = InlineKeyboardBuilder()
    for broadcast in recent:
        counts = await broadcasts.counts(broadcast.id)
        when = broadcast.scheduled_at or broadcast.created_at
        lines.append(
            _("#{id} · {status} · {when} · sent {sent} of {total}").format(
                id=broadcast.id,
                status=status_name(broadcast.status),
                when=local_time(when, settings.tz),
                sent=counts.sent,
                total=counts.total,
            )
        )
        builder.button(
            text=f"#{broadcast.id}", callback_data=BcCb(action=BcAction.OPEN, id=broadcast.id)
        )
    builder.adjust(5)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def _progress_view(
    broadcasts: BroadcastService, broadcast_id: int, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A broadcast's progress screen as it stands now (None if it is gone)."""
    broadcast = await broadcasts.get(broadcast_id)
    if broadcast is None:
        return None
    counts = await broadcasts.counts(broadcast_id)
    return progress_screen(broadcast, counts, broadcasts.estimate(counts.left), settings.tz)


async def open_broadcast(
    query: CallbackQuery,
    broadcast: Broadcast,
    controls: bool,
    bot: Bot,
    user: User,
    broadcasts: BroadcastService,
    settings: Settings,
) -> None:
    """A broadcast's figures; its buttons only for whoever may control it."""
    view = await _progress_view(broadcasts, broadcast.id, settings)
    if view is None:
        return
    text, markup = view
    sent = await bot.send_message(user.id, text, reply_markup=markup if controls else None)
    if broadcast.created_by == user.id and not broadcast.status.over:
        await broadcasts.set_progress_message(broadcast.id, sent.message_id)


def _control(
    act: Callable[[BroadcastService, int], Awaitable[bool]], done: Callable[[], str]
) -> Callable[..., Awaitable[None]]:
    async def handler(
        query: CallbackQuery,
        callback_answer: CallbackAnswer,
        broadcast: Broadcast,
        bot: Bot,
        user: User,
        broadcasts: BroadcastService,
        settings: Settings,
    ) -> None:
        if not await act(broadcasts, broadcast.id):
            callback_answer.text = _("Not possible now: the broadcast is {status}.").format(
                status=status_name(broadcast.status)
            )
            return
        callback_answer.text = done()
        view = await _progress_view(broadcasts, broadcast.id, settings)
        if view is not None:
            await show(bot, user.id, *view, edit=pressed_message(query))

    return handler


async def ask_stop(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    broadcast: Broadcast,
    bot: Bot,
    user: User,
) -> None:
    if broadcast.status.over:
        callback_answer.text = _("Not possible now: the broadcast is {status}.").format(
            status=status_name(broadcast.status)
        )
        return
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, cancel it"), callback_data=BcCb(action=BcAction.STOP_SURE, id=broadcast.id)
    )
    builder.button(text=_("No, go on"), callback_data=BcCb(action=BcAction.OPEN, id=broadcast.id))
    await bot.send_message(
        user.id,
        _("Cancel broadcast #{id}? Students who have not got it yet will not get it.").format(
            id=broadcast.id
        ),
        reply_markup=builder.as_markup(),
    )


DRAFT_BUTTONS: dict[BcAction, Callable[..., Awaitable[None]]] = {
    BcAction.SKIP: show_audience,
    BcAction.AUDIENCE: show_audience,
    BcAction.SET: set_filter,
    BcAction.CENTRES: choose_centre,
    BcAction.PREVIEW: preview,
    BcAction.NOW: send_now,
    BcAction.LATER: ask_when,
    BcAction.CONFIRM: confirm,
    BcAction.DISCARD: discard,
}
"""Composing buttons: each handler gets the draft it names as `broadcast`."""

CONTROL_BUTTONS: dict[BcAction, Callable[..., Awaitable[None]]] = {
    BcAction.PAUSE: _control(BroadcastService.pause, lambda: _("Paused.")),
    BcAction.RESUME: _control(BroadcastService.resume, lambda: _("Resumed.")),
    BcAction.STOP: ask_stop,
    BcAction.STOP_SURE: _control(BroadcastService.cancel, lambda: _("Cancelled.")),
}
"""Buttons of a confirmed broadcast; each handler gets it as `broadcast`."""

"""The admin's career centres: /centre_new, /centres and each centre's card (links, QR
code, manager invites, managers, rename, archive). Behind the admin role filter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import BaseFilter, Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import Centre, Role, User
from bot.render import render_qr
from bot.render.worker import draw
from bot.services.centres import NAME_MAX, CentreNameError, CentresService
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.stats.report import Period
from bot.telegram import pressed_message, show
from handlers.filters import HasRole
from handlers.menu import set_staff_menu
from handlers.staff.callbacks import CentreAction, CentreCb, StatsAction, StatsCb
from handlers.staff.common import local_time, member_lines


class Rename(StatesGroup):
    name = State()


def build_router() -> Router:
    router = Router(name="staff-centres")
    admins = HasRole(Role.ADMIN)
    router.message.filter(admins)
    router.callback_query.filter(admins)
    router.message.register(centre_new, Command("centre_new"))
    router.message.register(centres_command, Command("centres"))
    router.message.register(cancel_rename, Rename.name, Command("cancel"))
    router.message.register(rename_to, Rename.name, F.text, ~F.text.startswith("/"))
    router.message.register(rename_needs_text, Rename.name)
    router.callback_query.register(
        centre_list,
        CentreCb.filter(F.action.in_({CentreAction.LIST, CentreAction.ARCHIVED})),
    )
    for action, handler in CARD_BUTTONS.items():
        router.callback_query.register(
            handler, CentreCb.filter(F.action == action), CentreOfButton()
        )
    return router


def _students(n: int, stats: StatsService) -> str:
    """A count of students in a staff view follows the statistics' rule too."""
    return f"&lt;{stats.min_group}" if 0 < n < stats.min_group else str(n)


async def centre_new(
    message: Message,
    command: CommandObject,
    bot: Bot,
    centres: CentresService,
    settings: Settings,
    user: User,
) -> None:
    if not command.args or not command.args.strip():
        await message.answer(
            _(
                "Send the command with the centre's name, for example:\n"
                "<code>/centre_new Career centre of the Polytechnic</code>"
            )
        )
        return
    try:
        centre = await centres.create(command.args, created_by=user.id)
    except CentreNameError:
        await message.answer(
            _("A centre's name is 1 to {limit} characters. Try again.").format(limit=NAME_MAX)
        )
        return
    invite = await centres.invite(Role.MANAGER, centre.id, created_by=user.id)
    link = await create_start_link(bot, centre.code)
    invite_link = await create_start_link(bot, invite.payload)
    expires = local_time(invite.expires_at, settings.tz)
    await message.answer(
        _(
            "✅ Centre <b>{name}</b> created.\n\n"
            "Students' link (on posters, in chats; the QR code below carries it):\n{link}\n\n"
            "One-time invite for the centre's manager (valid until {expires}; it works once,"
            " send it to the manager only):\n{invite}"
        ).format(name=html.quote(centre.name), link=link, invite=invite_link, expires=expires),
        reply_markup=_card_keyboard(centre),
    )
    await _send_qr(bot, message.chat.id, centre, link)


async def _send_qr(bot: Bot, chat_id: int, centre: Centre, link: str) -> None:
    png = await draw(render_qr, link, caption=centre.name)
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, f"qr-{centre.id}.png"),
        caption=_("QR code of {name}: {link}").format(name=html.quote(centre.name), link=link),
    )


async def _list_view(
    centres: CentresService, stats: StatsService, *, archived: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The live centres (with a way to the archived ones), or the archived ones."""
    rows = await centres.listing(archived=archived)
    builder = InlineKeyboardBuilder()
    if archived:
        lines = [_("<b>Archived centres</b> (students · managers):")]
    elif rows:
        lines = [_("<b>Career centres</b> (students · managers):")]
    else:
        lines = [_("No career centres yet. Create one: <code>/centre_new NAME</code>")]
    for row in rows:
        lines.append(
            f"• {html.quote(row.centre.name)} — {_students(row.counts.students, stats)}"
            f" · {row.counts.managers}"
        )
        builder.button(
            text=row.centre.name[:60],
            callback_data=CentreCb(action=CentreAction.OPEN, centre=row.centre.id),
        )
    if archived:
        builder.button(text=_("« All centres"), callback_data=CentreCb(action=CentreAction.LIST))
    elif hidden := len(await centres.listing(archived=True)):
        builder.button(
            text=_("🗄 Archived ({count})").format(count=hidden),
            callback_data=CentreCb(action=CentreAction.ARCHIVED),
        )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def centres_command(
    message: Message, centres: CentresService, stats_service: StatsService
) -> None:
    text, markup = await _list_view(centres, stats_service, archived=False)
    await message.answer(text, reply_markup=markup)


async def centre_list(
    query: CallbackQuery,
    callback_data: CentreCb,
    bot: Bot,
    centres: CentresService,
    stats_service: StatsService,
    user: User,
) -> None:
    archived = callback_data.action == CentreAction.ARCHIVED
    text, markup = await _list_view(centres, stats_service, archived=archived)
    await show(bot, user.id, text, markup, edit=pressed_message(query))


def _card_keyboard(centre: Centre) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    cb = CentreCb(action=CentreAction.OPEN, centre=centre.id)
    builder.button(
        text=_("🔳 QR code"), callback_data=cb.model_copy(update={"action": CentreAction.QR})
    )
    builder.button(
        text=_("📊 Statistics"),
        callback_data=StatsCb(action=StatsAction.SHOW, centre=centre.id, period=Period.MONTH),
    )
    builder.button(
        text=_("➕ Manager invite"),
        callback_data=cb.model_copy(update={"action": CentreAction.INVITE}),
    )
    builder.button(
        text=_("👥 Managers"), callback_data=cb.model_copy(update={"action": CentreAction.MANAGERS})
    )
    builder.button(
        text=_("✏️ Rename"), callback_data=cb.model_copy(update={"action": CentreAction.RENAME})
    )
    if centre.archived:
        builder.button(
            text=_("♻️ Restore"),
            callback_data=cb.model_copy(update={"action": CentreAction.RESTORE}),
        )
    else:
        builder.button(
            text=_("🗄 Archive"),
            callback_data=cb.model_copy(update={"action": CentreAction.ARCHIVE}),
        )
    builder.button(text=_("« All centres"), callback_data=CentreCb(action=CentreAction.LIST))
    builder.adjust(2, 2, 2, 1)
    return builder.as_markup()


async def _card(bot: Bot, centre: Centre, centres: CentresService, stats: StatsService) -> str:
    link = await create_start_link(bot, centre.code)
    count = await centres.counts(centre.id)
    lines = [f"<b>{html.quote(centre.name)}</b>"]
    if centre.archived:
        lines.append(_("🗄 Archived: its link no longer adds students."))
    lines.append(
        _("Students: {students} · managers: {managers}").format(
            students=_students(count.students, stats), managers=count.managers
        )
    )
    lines.append(_("Students' link: {link}").format(link=link))
    return "\n".join(lines)


class CentreOfButton(BaseFilter):
    """Passes a card button on with the centre it names as `centre`; a centre that is
    not there (a forged id) makes the press a stale button."""

    async def __call__(
        self, query: CallbackQuery, callback_data: CentreCb, centres: CentresService
    ) -> bool | dict[str, Any]:
        if callback_data.centre is None:
            return False
        centre = await centres.get(callback_data.centre)
        return False if centre is None else {"centre": centre}


async def open_centre(
    query: CallbackQuery,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    stats_service: StatsService,
    user: User,
) -> None:
    text = await _card(bot, centre, centres, stats_service)
    await show(bot, user.id, text, _card_keyboard(centre), edit=pressed_message(query))


async def send_qr(
    query: CallbackQuery,
    centre: Centre,
    bot: Bot,
    user: User,
) -> None:
    await _send_qr(bot, user.id, centre, await create_start_link(bot, centre.code))


async def new_invite(
    query: CallbackQuery,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    settings: Settings,
    user: User,
) -> None:
    invite = await centres.invite(Role.MANAGER, centre.id, created_by=user.id)
    expires = local_time(invite.expires_at, settings.tz)
    await bot.send_message(
        user.id,
        _(
            "One-time invite for a manager of <b>{name}</b>, valid until {expires}."
            " It works once: send it to the manager only.\n{invite}"
        ).format(
            name=html.quote(centre.name),
            expires=expires,
            invite=await create_start_link(bot, invite.payload),
        ),
    )


async def managers(
    query: CallbackQuery,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    settings: Settings,
    user: User,
) -> None:
    members = await centres.managers(centre.id)
    builder = InlineKeyboardBuilder()
    if not members:
        text = _("<b>{name}</b> has no managers yet. Send them an invite.").format(
            name=html.quote(centre.name)
        )
    else:
        lines = [_("Managers of <b>{name}</b>:").format(name=html.quote(centre.name))]
        lines += member_lines(
            members,
            settings.tz,
            builder,
            CentreCb,
            action=CentreAction.REVOKE,
            centre=centre.id,
        )
        text = "\n".join(lines)
    builder.button(
        text=_("« Back"), callback_data=CentreCb(action=CentreAction.OPEN, centre=centre.id)
    )
    builder.adjust(1)
    await show(bot, user.id, text, builder.as_markup(), edit=pressed_message(query))


async def ask_revoke(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: CentreCb,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    user: User,
) -> None:
    if callback_data.user is None:
        return
    member = next(
        (m for m in await centres.managers(centre.id) if m.user_id == callback_data.user), None
    )
    if member is None:
        callback_answer.text = _("They are no longer a manager of this centre.")
        return
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, revoke"),
        callback_data=CentreCb(
            action=CentreAction.REVOKE_SURE, centre=centre.id, user=member.user_id
        ),
    )
    builder.button(
        text=_("« Back"), callback_data=CentreCb(action=CentreAction.MANAGERS, centre=centre.id)
    )
    await show(
        bot,
        user.id,
        _(
            "Revoke {name} as a manager of <b>{centre}</b>? They will no longer see its statistics."
        ).format(name=html.quote(member.name), centre=html.quote(centre.name)),
        builder.as_markup(),
        edit=pressed_message(query),
    )


async def revoke(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: CentreCb,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    staff: StaffService,
    i18n: I18n,
    settings: Settings,
    user: User,
) -> None:
    if callback_data.user is None:
        return
    if await centres.revoke_manager(centre.id, callback_data.user):
        callback_answer.text = _("Revoked.")
        await set_staff_menu(bot, i18n, callback_data.user, await staff.access(callback_data.user))
    else:
        callback_answer.text = _("They are no longer a manager of this centre.")
    await managers(query, centre, bot, centres, settings, user)


async def start_rename(
    query: CallbackQuery,
    centre: Centre,
    bot: Bot,
    state: FSMContext,
    user: User,
) -> None:
    await state.set_state(Rename.name)
    await state.update_data(centre=centre.id)
    await bot.send_message(
        user.id,
        _("Send the new name of <b>{name}</b> (or /cancel).").format(name=html.quote(centre.name)),
    )


async def rename_to(
    message: Message,
    bot: Bot,
    centres: CentresService,
    stats_service: StatsService,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    assert message.text is not None  # the F.text filter
    try:
        centre = await centres.rename(int(data.get("centre", 0)), message.text)
    except CentreNameError:
        await message.answer(
            _("A centre's name is 1 to {limit} characters. Send another, or /cancel.").format(
                limit=NAME_MAX
            )
        )
        return
    await state.clear()
    if centre is None:
        await message.answer(_("This centre no longer exists."))
        return
    await message.answer(
        await _card(bot, centre, centres, stats_service), reply_markup=_card_keyboard(centre)
    )


async def rename_needs_text(message: Message) -> None:
    await message.answer(_("Send the new name as text, or /cancel."))


async def cancel_rename(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Renaming cancelled."))


async def archive(
    query: CallbackQuery,
    callback_data: CentreCb,
    centre: Centre,
    bot: Bot,
    centres: CentresService,
    stats_service: StatsService,
    user: User,
) -> None:
    changed = await centres.archive(centre.id, callback_data.action == CentreAction.ARCHIVE)
    if changed is None:
        return
    text = await _card(bot, changed, centres, stats_service)
    await show(bot, user.id, text, _card_keyboard(changed), edit=pressed_message(query))


CARD_BUTTONS: dict[CentreAction, Callable[..., Awaitable[None]]] = {
    CentreAction.OPEN: open_centre,
    CentreAction.QR: send_qr,
    CentreAction.INVITE: new_invite,
    CentreAction.MANAGERS: managers,
    CentreAction.REVOKE: ask_revoke,
    CentreAction.REVOKE_SURE: revoke,
    CentreAction.RENAME: start_rename,
    CentreAction.ARCHIVE: archive,
    CentreAction.RESTORE: archive,
}
"""The buttons of a centre's card, each with the handler that gets the centre it names."""

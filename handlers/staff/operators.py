"""The admin's operators: /operator_invite (a one-time link) and /operators (list, revoke)."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.domain import Role, User
from bot.services.centres import CentresService
from bot.services.staff import StaffService
from bot.telegram import pressed_message, show
from handlers.filters import HasRole
from handlers.menu import set_staff_menu
from handlers.staff.callbacks import OperatorAction, OperatorCb
from handlers.staff.common import local_time, member_lines


def build_router() -> Router:
    router = Router(name="staff-operators")
    admins = HasRole(Role.ADMIN)
    router.message.filter(admins)
    router.callback_query.filter(admins)
    router.message.register(operator_invite, Command("operator_invite"))
    router.message.register(operators_command, Command("operators"))
    router.callback_query.register(
        operators_list, OperatorCb.filter(F.action == OperatorAction.LIST)
    )
    router.callback_query.register(
        ask_revoke, OperatorCb.filter(F.action == OperatorAction.REVOKE), OperatorCb.filter(F.user)
    )
    router.callback_query.register(
        revoke, OperatorCb.filter(F.action == OperatorAction.REVOKE_SURE), OperatorCb.filter(F.user)
    )
    return router


async def operator_invite(
    message: Message, bot: Bot, user: User, centres: CentresService, settings: Settings
) -> None:
    invite = await centres.invite(Role.OPERATOR, None, created_by=user.id)
    await message.answer(
        _(
            "One-time invite for an operator, valid until {expires}. It works once:"
            " send it to the operator only.\n{invite}"
        ).format(
            expires=local_time(invite.expires_at, settings.tz),
            invite=await create_start_link(bot, invite.payload),
        )
    )


async def _list_view(
    centres: CentresService, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    members = await centres.operators()
    builder = InlineKeyboardBuilder()
    if not members:
        return _("No operators yet. Invite one: /operator_invite"), builder.as_markup()
    lines = [_("<b>Operators</b>:")]
    lines += member_lines(members, settings.tz, builder, OperatorCb, action=OperatorAction.REVOKE)
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def operators_command(message: Message, centres: CentresService, settings: Settings) -> None:
    text, markup = await _list_view(centres, settings)
    await message.answer(text, reply_markup=markup)


async def operators_list(
    query: CallbackQuery, bot: Bot, user: User, centres: CentresService, settings: Settings
) -> None:
    text, markup = await _list_view(centres, settings)
    await show(bot, user.id, text, markup, edit=pressed_message(query))


async def ask_revoke(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: OperatorCb,
    bot: Bot,
    user: User,
    centres: CentresService,
) -> None:
    member = next((m for m in await centres.operators() if m.user_id == callback_data.user), None)
    if member is None:
        callback_answer.text = _("They are no longer an operator.")
        return
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, revoke"),
        callback_data=OperatorCb(action=OperatorAction.REVOKE_SURE, user=member.user_id),
    )
    builder.button(text=_("« Back"), callback_data=OperatorCb(action=OperatorAction.LIST))
    await show(
        bot,
        user.id,
        _("Revoke {name} as an operator? They will no longer send broadcasts.").format(
            name=html.quote(member.name)
        ),
        builder.as_markup(),
        edit=pressed_message(query),
    )


async def revoke(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: OperatorCb,
    bot: Bot,
    user: User,
    centres: CentresService,
    staff: StaffService,
    i18n: I18n,
    settings: Settings,
) -> None:
    assert callback_data.user is not None  # the filter
    if await centres.revoke_operator(callback_data.user):
        callback_answer.text = _("Revoked.")
        await set_staff_menu(bot, i18n, callback_data.user, await staff.access(callback_data.user))
    else:
        callback_answer.text = _("They are no longer an operator.")
    await operators_list(query, bot, user, centres, settings)

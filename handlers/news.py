"""Operators' news (job fairs, internships, webinars): the button every broadcast
carries, which turns news off, and back on.

The broadcast code renders `news_off_button()` in the recipient's locale and puts it
under the message, beside its URL buttons. Pressing it turns news off, answers with an
alert naming /settings, and swaps that one button for «🔔 Снова присылать новости»
(which turns them on again). Whatever the message shows (text, a photo with a
caption...), only its keyboard is edited and its other buttons stay where they were.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import gettext as _

from bot.domain import User
from bot.services.students import StudentService
from bot.telegram import edit_buttons


class NewsAction(StrEnum):
    OFF = "off"
    ON = "on"


class NewsCb(CallbackData, prefix="news"):
    """The news button under a broadcast: turn news off, or back on."""

    action: NewsAction


NEWS_BUTTONS = frozenset(NewsCb(action=action).pack() for action in NewsAction)
"""The callback data of both news buttons, to find the one on a pressed message."""


def build_router() -> Router:
    router = Router(name="news")
    router.callback_query.register(news_off, NewsCb.filter(F.action == NewsAction.OFF))
    router.callback_query.register(news_on, NewsCb.filter(F.action == NewsAction.ON))
    return router


def news_off_button() -> InlineKeyboardButton:
    """«🔕 Не присылать новости», in the current locale: call it inside the recipient's
    `i18n.context()` and `i18n.use_locale(...)`, as delivery sources render letters."""
    return InlineKeyboardButton(
        text=_("🔕 No more news"), callback_data=NewsCb(action=NewsAction.OFF).pack()
    )


def news_on_button() -> InlineKeyboardButton:
    """What replaces the news button once news are off."""
    return InlineKeyboardButton(
        text=_("🔔 Send news again"), callback_data=NewsCb(action=NewsAction.ON).pack()
    )


def with_news_button_flipped(
    markup: InlineKeyboardMarkup | None, wanted: bool
) -> InlineKeyboardMarkup | None:
    """The keyboard with its news button replaced by the one that undoes `wanted`, every
    other button in place; None if the keyboard has no news button."""
    if markup is None or not any(
        button.callback_data in NEWS_BUTTONS for row in markup.inline_keyboard for button in row
    ):
        return None
    replacement = news_off_button() if wanted else news_on_button()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [replacement if button.callback_data in NEWS_BUTTONS else button for button in row]
            for row in markup.inline_keyboard
        ]
    )


async def _flip(query: CallbackQuery, bot: Bot, wanted: bool) -> None:
    message = query.message
    if not isinstance(message, Message):  # no longer accessible: the answer says enough
        return
    markup = with_news_button_flipped(message.reply_markup, wanted)
    if markup is not None:
        await edit_buttons(bot, message.chat.id, message.message_id, markup)


async def news_off(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    user: User,
    students: StudentService,
) -> None:
    await students.set_news(user.id, wanted=False)
    callback_answer.text = _("You will get no more news. To get them again, send /settings.")
    callback_answer.show_alert = True
    await _flip(query, bot, wanted=False)


async def news_on(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    bot: Bot,
    user: User,
    students: StudentService,
) -> None:
    await students.set_news(user.id, wanted=True)
    callback_answer.text = _("You will get news again.")
    await _flip(query, bot, wanted=True)

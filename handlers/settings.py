"""/settings: one screen with the student's choices. News are turned on and off here;
learning tips and the language open their own screens (/tips, /language) in place."""

from __future__ import annotations

from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain import SubscriptionStatus, User
from bot.services.students import StudentService
from bot.services.tips import Overview, TipsService
from bot.telegram import pressed_message, show
from handlers.language import language_name, language_screen
from handlers.tips import overview_screen


class SettingsAction(StrEnum):
    NEWS_OFF = "news_off"
    NEWS_ON = "news_on"
    TIPS = "tips"  # open the /tips screen
    LANGUAGE = "lang"  # open the /language screen


class SettingsCb(CallbackData, prefix="set"):
    """Buttons of the /settings screen. The news buttons name the state they set, so a
    double press or an old screen never flips news the wrong way."""

    action: SettingsAction


def build_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    router.callback_query.register(
        set_news,
        SettingsCb.filter(F.action.in_({SettingsAction.NEWS_OFF, SettingsAction.NEWS_ON})),
    )
    router.callback_query.register(open_tips, SettingsCb.filter(F.action == SettingsAction.TIPS))
    router.callback_query.register(
        open_language, SettingsCb.filter(F.action == SettingsAction.LANGUAGE)
    )
    return router


def tips_state(view: Overview) -> str:
    sub = view.subscription
    if sub is not None and sub.status == SubscriptionStatus.PAUSED:
        return _("paused")
    if view.subscribed and view.pending:
        return _("on")
    return _("off")


def settings_screen(news: bool, tips: Overview, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The student's settings: news (wanted or not), learning tips, language."""
    lines = [
        "⚙️ <b>" + _("Settings") + "</b>",
        "\n".join(
            (
                _("📰 News (job fairs, internships, webinars): {state}").format(
                    state=_("on") if news else _("off")
                ),
                _("📬 Learning tips: {state}").format(state=tips_state(tips)),
                _("🌐 Language: {language}").format(language=language_name(locale)),
            )
        ),
        _("Press a button to change a setting."),
    ]
    builder = InlineKeyboardBuilder()
    if news:
        builder.button(
            text=_("📰 News: on"), callback_data=SettingsCb(action=SettingsAction.NEWS_OFF)
        )
    else:
        builder.button(
            text=_("📰 News: off"), callback_data=SettingsCb(action=SettingsAction.NEWS_ON)
        )
    builder.button(text=_("📬 Learning tips"), callback_data=SettingsCb(action=SettingsAction.TIPS))
    builder.button(text=_("🌐 Language"), callback_data=SettingsCb(action=SettingsAction.LANGUAGE))
    builder.adjust(1)
    return "\n\n".join(lines), builder.as_markup()


async def settings_command(
    message: Message, user: User, students: StudentService, tips: TipsService, i18n: I18n
) -> None:
    text, markup = settings_screen(
        students.wants_news(user), await tips.overview(user.id), i18n.current_locale
    )
    await message.answer(text, reply_markup=markup)


async def set_news(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: SettingsCb,
    bot: Bot,
    user: User,
    students: StudentService,
    tips: TipsService,
    i18n: I18n,
) -> None:
    """News on or off: the button names the state it sets."""
    wanted = callback_data.action == SettingsAction.NEWS_ON
    await students.set_news(user.id, wanted)
    callback_answer.text = _("News turned on.") if wanted else _("News turned off.")
    text, markup = settings_screen(wanted, await tips.overview(user.id), i18n.current_locale)
    await show(bot, user.id, text, markup, edit=pressed_message(query))


async def open_tips(
    query: CallbackQuery, bot: Bot, user: User, tips: TipsService, i18n: I18n
) -> None:
    text, markup = overview_screen(await tips.overview(user.id), i18n.current_locale)
    await show(bot, user.id, text, markup, edit=pressed_message(query))


async def open_language(query: CallbackQuery, bot: Bot, user: User) -> None:
    text, markup = language_screen()
    await show(bot, user.id, text, markup, edit=pressed_message(query))

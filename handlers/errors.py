"""The last line of defence: a failed handler is logged with its reason, and the user
still gets an answer instead of silence or a spinning button.

Every button press is answered exactly once by :class:`AnswerPresses` (aiogram's
CallbackAnswerMiddleware): handlers only set the text when they have one, and a
press whose handler failed is answered with the apology as an alert. aiogram calls
error handlers outside the middlewares that set the locale, so `on_error` sets it
again from what it knows about the user.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ErrorEvent, TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import User
from bot.i18n import user_locale
from bot.middlewares import Handler

log = logging.getLogger(__name__)


def sorry() -> str:
    return _("Sorry, something went wrong on my side. Please try again in a minute.")


class AnswerPresses(CallbackAnswerMiddleware):
    """Answers every press once, after its handler; a failure is answered with an alert."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async def guarded(event: TelegramObject, data: dict[str, Any]) -> Any:
            try:
                return await handler(event, data)
            except Exception:
                answer: CallbackAnswer = data["callback_answer"]
                if not answer.answered and not answer.disabled:
                    answer.text = sorry()
                    answer.show_alert = True
                raise

        return await super().__call__(guarded, event, data)


async def answer_now(bot: Bot, query: CallbackQuery, answer: CallbackAnswer) -> None:
    """Answer a press at once, with what `answer` holds, instead of after its handler:
    `AnswerPresses` then leaves it alone, so it is still answered exactly once."""
    answer.disable()
    await bot(
        query.answer(
            text=answer.text,
            show_alert=answer.show_alert,
            url=answer.url,
            cache_time=answer.cache_time,
        )
    )


async def on_error(event: ErrorEvent, i18n: I18n, user: User | None = None) -> bool:
    update = event.update
    log.error(
        "update %d failed: %s: %s",
        update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=event.exception,
    )
    if update.message is None:
        return True  # a press was answered by AnswerPresses; other updates have no one to tell
    sender: TgUser | None = update.message.from_user
    locale = user_locale(user, getattr(sender, "language_code", None), i18n.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        text = sorry()
    try:
        await update.message.answer(text)
    except TelegramAPIError as exc:
        log.warning("could not tell the user about the failure: %s", exc)
    return True

"""The last line of defence: a failed handler is logged with its reason, and the user
still gets an answer instead of silence or a spinning button.

aiogram calls error handlers outside the middlewares that set the locale, so this one
sets it again from what it knows about the user.
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.db.users import User
from bot.i18n import user_locale

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, i18n: I18n, user: User | None = None) -> bool:
    update = event.update
    log.error(
        "update %d failed: %s: %s",
        update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=event.exception,
    )
    sender: TgUser | None
    if update.callback_query is not None:
        sender = update.callback_query.from_user
    elif update.message is not None:
        sender = update.message.from_user
    else:
        sender = None
    locale = user_locale(user, getattr(sender, "language_code", None), i18n.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        text = _("Sorry, something went wrong on my side. Please try again in a minute.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except TelegramAPIError as exc:
        log.warning("could not tell the user about the failure: %s", exc)
    return True

"""The last line of defence: a failed handler is logged with its reason, and the user
still gets an answer instead of silence or a spinning button."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    log.error(
        "update %d failed: %s: %s",
        update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=event.exception,
    )
    text = _("Sorry, something went wrong on my side. Please try again in a minute.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    except TelegramAPIError as exc:
        log.warning("could not tell the user about the failure: %s", exc)
    return True

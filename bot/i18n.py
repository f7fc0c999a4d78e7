"""Translations: gettext catalogs in bot/locales, compiled in memory when loaded.

aiogram's I18n reads compiled .mo files. We compile the .po sources at load time
instead (a few milliseconds), so a stale or missing .mo can never be served and
no build artefact is committed. `make locales` re-extracts messages from the code.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.units import format_unit

from bot.config import LOCALES
from bot.domain import User

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


class SourceI18n(I18n):
    """I18n that loads .po files directly."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext helpers look up `I18n.get_current()`; the mixin keeps one
        # context variable per subclass, so register under the base class.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=locale, domain=self.domain)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[locale] = gettext.GNUTranslations(buffer)
        return translations


def build_i18n(default_locale: str) -> SourceI18n:
    return SourceI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def pick_locale(chosen: str | None, language_code: str | None, default: str) -> str:
    """A chosen locale wins; then Telegram's language if we speak it; then the default."""
    if chosen in LOCALES:
        return chosen
    if language_code:
        base = language_code.split("-")[0].lower()
        if base == "en":
            return "en"
        if base == "ru":
            return "ru"
    return default


_UNITS = (
    ("duration-day", 86400),
    ("duration-hour", 3600),
    ("duration-minute", 60),
    ("duration-second", 1),
)


def human_duration(duration: timedelta, locale: str) -> str:
    """A duration in words with the locale's plural rules: "2 дня", "1 day 12 hours".

    Exact, largest units first (no rounding "36 hours" into "2 days"); fractions of a
    second are dropped.
    """
    left = int(duration.total_seconds())
    parts: list[str] = []
    for unit, size in _UNITS:
        amount, left = divmod(left, size)
        if amount:
            parts.append(format_unit(amount, unit, length="long", locale=locale))
    return " ".join(parts) or format_unit(0, "duration-second", length="long", locale=locale)


def user_locale(user: User | None, language_code: str | None, default: str) -> str:
    """The locale of a stored user; `language_code` (from the update) when none is stored."""
    if user is not None:
        return pick_locale(user.locale, user.language_code, default)
    return pick_locale(None, language_code, default)


class UserLocaleMiddleware(I18nMiddleware):
    """Picks the locale from the stored user (set by UserMiddleware) or the update."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        code = getattr(data.get("event_from_user"), "language_code", None)
        return user_locale(data.get("user"), code, self.i18n.default_locale)

"""Texts of content files: every text in every locale, plain (no markup), not too long."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Strict, StringConstraints

LOCALES: tuple[str, ...] = ("ru", "en")
"""Every text exists in each of these locales; the first is the fallback."""

TEXT_MAX = 3500
"""Longest text, in characters: Telegram allows 4096 per message, the bot adds a frame."""

Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]

_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&[a-zA-Z]+;|&#\d+;")


class LocalizedText(BaseModel):
    """A text in every locale of :data:`LOCALES`. Plain text: the bot escapes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ru: Text
    en: Text

    def get(self, locale: str) -> str:
        """The text in ``locale``, or in the first locale if that one is unknown."""
        value = getattr(self, locale, None) if locale in LOCALES else None
        return value if isinstance(value, str) else self.ru

    def items(self) -> list[tuple[str, str]]:
        return [(locale, self.get(locale)) for locale in LOCALES]


def find_markup(text: str) -> str | None:
    """The first thing in ``text`` that looks like an HTML tag or entity, if any."""
    found = _MARKUP.search(text)
    return found.group(0) if found else None


def text_problems(text: str, where: str) -> list[str]:
    """What is wrong with one text (markup, length); ``where`` names it in the messages."""
    messages: list[str] = []
    markup = find_markup(text)
    if markup is not None:
        messages.append(
            f"{where} looks like HTML markup ('{markup}'): texts are plain, the bot escapes them"
        )
    if len(text) > TEXT_MAX:
        messages.append(f"{where} is too long: {len(text)} characters, at most {TEXT_MAX}")
    return messages

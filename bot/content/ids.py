"""Ids of content items (nodes, options, tips, ...): their form and length.

The validator raises pydantic errors of the types ``id_invalid`` and ``id_too_long``,
which :mod:`bot.content.validation` retells with the item and the line.
"""

from __future__ import annotations

import re

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

NAME_ID = re.compile(r"[a-z][a-z0-9_]*")
"""A name: starts with a letter, then a-z, 0-9 and _."""

PLAIN_ID = re.compile(r"[a-z0-9_]+")
"""Any of a-z, 0-9 and _ (may start with a digit)."""

CALLBACK_NOTE = "Telegram callback data is limited to 64 bytes"
"""Why ids are short: the bot puts them into button data."""


def id_rule(what: str, max_len: int, *, letter_first: bool = True, why: str = "") -> AfterValidator:
    """A validator for ids of ``what`` (``node``, ``tip``): :data:`NAME_ID` when
    ``letter_first``, else :data:`PLAIN_ID`, at most ``max_len`` characters.

    ``why`` says why ids are short (it follows the "too long" message in brackets).
    """
    pattern = NAME_ID if letter_first else PLAIN_ID
    first = "start with a letter and " if letter_first else ""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError(
                "id_invalid",
                "{what} id '{value}' must {first}use only a-z, 0-9 and _",
                {"what": what, "value": value, "first": first},
            )
        if len(value) > max_len:
            raise PydanticCustomError(
                "id_too_long",
                "{what} id '{value}' is too long: at most {max} characters",
                {"what": what, "value": value, "max": max_len, "why": why},
            )
        return value

    return AfterValidator(check)

"""Pydantic errors retold as ``file:line: message`` problems a methodologist can act on.

The retelling is the same for every kind of content file; what differs is the words:
which lists hold items named by their id, which fields hold a text in every locale, and
so on. A kind says that in its :class:`Vocabulary`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.content.errors import ContentError, Problem
from bot.content.source import Loc, SourceDoc
from bot.content.texts import LOCALES

M = TypeVar("M", bound=BaseModel)

_LOCALE_LIKE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class Vocabulary:
    """How the fields of one kind of content file are named in messages."""

    document: str = "the file"
    """The file as a whole (``unknown field 'x' in the file``)."""
    entities: Mapping[str, str] = field(default_factory=dict)
    """Lists whose items have an ``id``, and what an item is: ``{"nodes": "node"}``
    gives ``node 'q3'`` (``node #3`` while the item has no id)."""
    numbered: Mapping[str, str] = field(default_factory=dict)
    """Lists whose items are named by position: ``{"rules": "rule"}`` gives ``rule 2``."""
    texts: frozenset[str] = frozenset()
    """Fields that hold a text in every locale, ``{ru: ..., en: ...}``."""
    named_texts: Mapping[str, str] = field(default_factory=dict)
    """Mappings of an id to that item's name in every locale:
    ``{"categories": "category"}`` gives ``name of category 'planning'``."""
    keyed: frozenset[str] = frozenset()
    """Mappings keyed by ids of other things: ``points for 'calm' of option 'a'``."""
    conditions: frozenset[str] = frozenset()
    """Fields that hold a condition; whatever is nested inside is "condition" too."""
    condition_parts: frozenset[str] = frozenset()
    """Keys that combine inner conditions (``all``, ``any``): left out of messages."""
    groups: frozenset[str] = frozenset()
    """Fields that only group others (``outcomes``): left out of messages."""
    union_tags: frozenset[str] = frozenset()
    """Names pydantic puts into error locations for tagged unions (not fields of the file)."""
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """A discriminator field and its values: ``{"kind": ("question", "info", "result")}``."""


def validate(model: type[M], doc: SourceDoc, vocabulary: Vocabulary) -> M:
    """Validate a parsed document against ``model``; raise :class:`ContentError` with lines."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        details = _without_echoes(error.errors())
        problems = sorted({_Retelling(doc, vocabulary).problem(detail) for detail in details})
        raise ContentError(problems) from None


def describe(loc: Loc, data: object, vocabulary: Vocabulary) -> str:
    """A location in words, innermost first: ``text of option 'a' of node 'q3'``."""
    return _Retelling.words(loc, data, vocabulary)


class _Retelling:
    def __init__(self, doc: SourceDoc, vocabulary: Vocabulary) -> None:
        self.doc = doc
        self.vocabulary = vocabulary

    def describe(self, loc: Loc) -> str:
        return self.words(loc, self.doc.data, self.vocabulary)

    def is_text(self, loc: Loc) -> bool:
        """Does ``loc`` hold a text in every locale?"""
        vocabulary = self.vocabulary
        if not loc:
            return False
        if loc[-1] in vocabulary.texts:
            return True
        return len(loc) >= 2 and loc[-2] in vocabulary.named_texts and isinstance(loc[-1], str)

    def problem(self, detail: ErrorDetails) -> Problem:
        doc, vocabulary = self.doc, self.vocabulary
        loc = _clean_loc(detail["loc"], doc.data, vocabulary.union_tags)
        kind = detail["type"]
        ctx: dict[str, Any] = dict(detail.get("ctx") or {})
        name = loc[-1] if loc else ""
        container = loc[:-1]

        if kind in ("extra_forbidden", "missing"):
            word = "unknown" if kind == "extra_forbidden" else "missing"
            if self.is_text(container):
                hint = f" (use {' and '.join(LOCALES)})" if kind == "extra_forbidden" else ""
                if kind == "extra_forbidden" and not _LOCALE_LIKE.fullmatch(str(name)):
                    hint = " (a comma inside {ru: ..., en: ...} splits the text: put it in quotes)"
                message = f"{word} locale '{name}' in {self.describe(container)}{hint}"
            else:
                message = f"{word} field '{name}' in {self.describe(container)}"
            if kind == "missing":
                return Problem(doc.name, doc.lines.value_line(container), message)
            return Problem(doc.name, doc.lines.line(loc), message)

        if kind in ("id_invalid", "id_too_long"):
            entities = vocabulary.entities
            parent = (
                container[:-2] if len(container) >= 2 and container[-2] in entities else container
            )
            what = ctx.get("what", "")
            if name == "id":  # "option id 'x' in node 'q1'": the item is named by the bad id
                where = f" in {self.describe(parent)}" if parent else ""
            else:  # a reference: "node id 'X' in next of node 'q2'"
                where = f" in {self.field_phrase(loc)}"
            if kind == "id_too_long":
                why = ctx.get("why")
                message = (
                    f"{what} id '{ctx.get('value')}'{where} is too long: "
                    f"at most {ctx.get('max')} characters" + (f" ({why})" if why else "")
                )
            else:
                message = f"{what} id '{ctx.get('value')}'{where} must {ctx.get('first', '')}"
                message += "use only a-z, 0-9 and _"
            return Problem(doc.name, doc.lines.line(loc), message)

        if kind in ("union_tag_invalid", "union_tag_not_found"):
            what = self.describe(loc)
            tag_field = str(ctx.get("discriminator", "kind")).strip("'")
            if kind == "union_tag_invalid":
                expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
                hint = f" (use {_either(expected)})" if expected else ""
                message = f"unknown {tag_field} '{ctx.get('tag')}' of {what}{hint}"
                return Problem(doc.name, doc.lines.line((*loc, tag_field)), message)
            variants = vocabulary.variants.get(tag_field, ())
            hint = f" ({_either(variants)})" if variants else ""
            message = f"missing field '{tag_field}' in {what}{hint}"
            return Problem(doc.name, doc.lines.value_line(loc), message)

        if kind in ("bad_condition", "condition_bounds"):
            return Problem(
                doc.name, doc.lines.value_line(loc), f"{self.describe(loc)}: {_msg(detail)}"
            )

        if self.is_text(loc) and kind in ("model_type", "model_attributes_type", "dict_type"):
            message = (
                f"{self.field_phrase(loc)} must give the text in each locale, like "
                f"{{{', '.join(f'{locale}: ...' for locale in LOCALES)}}}"
            )
            return Problem(doc.name, doc.lines.line(loc), message)

        if name in LOCALES and self.is_text(container) and kind == "string_too_short":
            message = f"empty text for locale '{name}' in {self.describe(container)}"
            return Problem(doc.name, doc.lines.line(loc), message)

        if kind in ("too_short", "too_long"):
            size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
            bound = "at least" if kind == "too_short" else "at most"
            message = f"{self.field_phrase(loc)}: needs {bound} {size} item(s)"
            return Problem(doc.name, doc.lines.line(loc), message)

        message = f"{self.field_phrase(loc)}: {_msg(detail)}"
        value = detail.get("input")
        if kind == "string_type":
            if isinstance(value, bool):
                message += (
                    " (YAML reads yes/no/on/off/true/false as a truth value: put it in quotes)"
                )
            elif isinstance(value, int | float):
                message += " (put it in quotes)"
        return Problem(doc.name, doc.lines.line(loc), message)

    def field_phrase(self, loc: Loc) -> str:
        if not loc:
            return self.vocabulary.document
        name, container = loc[-1], loc[:-1]
        if container and container[-1] in self.vocabulary.keyed:
            return f"{container[-1]} for '{name}' of {self.describe(container[:-1])}"
        if not container:
            return str(name)
        if isinstance(name, int) or (
            self.is_text(loc) and container[-1] in self.vocabulary.named_texts
        ):
            return self.describe(loc)
        return f"{name} of {self.describe(container)}"

    @staticmethod
    def words(loc: Loc, data: object, vocabulary: Vocabulary) -> str:
        parts: list[str] = []
        current: object = data
        index = 0
        in_condition = False
        while index < len(loc):
            element = loc[index]
            following = loc[index + 1] if index + 1 < len(loc) else None
            child = _child(current, element)
            if isinstance(element, str) and isinstance(following, int):
                if element in vocabulary.entities:
                    item = _child(child, following)
                    ident = item.get("id") if isinstance(item, dict) else None
                    label = f"'{ident}'" if isinstance(ident, str) else f"#{following + 1}"
                    parts.append(f"{vocabulary.entities[element]} {label}")
                    current = item
                    index += 2
                    continue
                if element in vocabulary.numbered:
                    parts.append(f"{vocabulary.numbered[element]} {following + 1}")
                    current = _child(child, following)
                    index += 2
                    continue
            named = vocabulary.named_texts.get(element) if isinstance(element, str) else None
            if named is not None and isinstance(following, str):
                parts.append(f"name of {named} '{following}'")
                current = _child(child, following)
                index += 2
                continue
            if in_condition and (element in vocabulary.condition_parts or isinstance(element, int)):
                pass  # inner conditions are still "condition of ..."
            elif element in vocabulary.conditions:
                parts.append("condition")
                in_condition = True
            elif element not in vocabulary.groups:
                parts.append(str(element))
            current = child
            index += 1
        if not parts:
            return vocabulary.document
        return " of ".join(reversed(parts))


def _either(choices: tuple[str, ...] | list[str]) -> str:
    """``question, info or result``."""
    if len(choices) < 2:
        return "".join(choices)
    return f"{', '.join(choices[:-1])} or {choices[-1]}"


def _without_echoes(details: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop "too short" for a list whose items already failed: pydantic counts valid items."""
    failed_inside = [d["loc"] for d in details if d["type"] != "too_short"]
    return [
        d
        for d in details
        if d["type"] != "too_short"
        or not any(
            loc[: len(d["loc"])] == d["loc"] and len(loc) > len(d["loc"]) for loc in failed_inside
        )
    ]


def _msg(detail: ErrorDetails) -> str:
    text = detail["msg"]
    text = text.removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def _clean_loc(loc: tuple[int | str, ...], data: object, union_tags: frozenset[str]) -> Loc:
    """Drop the union tags pydantic inserts, so the location matches the file."""
    clean: list[str | int] = []
    current: object = data
    for element in loc:
        if element == "[key]":
            continue
        if isinstance(current, dict):
            if element in current:
                clean.append(element)
                current = current[element]
                continue
            if element in union_tags:
                continue
        elif isinstance(current, list) and isinstance(element, int) and element < len(current):
            clean.append(element)
            current = current[element]
            continue
        clean.append(element)
        current = None
    return tuple(clean)


def _child(value: object, key: str | int) -> object:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None

"""Pydantic errors retold as ``file:line: message`` problems a methodologist can act on."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.quiz.errors import Problem, QuizError
from bot.quiz.models import CALLBACK_NOTE, LOCALES, UNION_TAGS
from bot.quiz.source import Loc, SourceDoc

M = TypeVar("M", bound=BaseModel)

ENTITIES = {
    "traits": "trait",
    "nodes": "node",
    "options": "option",
    "bands": "band",
    "specialisations": "specialisation",
    "tips": "tip",
}
"""Lists whose items have an ``id``: messages name the item by it."""

LOCALIZED = frozenset(
    {"title", "intro", "text", "name", "description", "explanation", "why", "learn", "button"}
)
"""Fields that hold a ``{ru: ..., en: ...}`` text."""

_KEYED = frozenset({"points", "weights"})
_LOCALE_LIKE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def validate(model: type[M], doc: SourceDoc) -> M:
    """Validate a parsed document against ``model``; raise :class:`QuizError` with lines."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        details = _without_echoes(error.errors())
        problems = sorted({_problem(detail, doc) for detail in details})
        raise QuizError(problems) from None


def _problem(detail: ErrorDetails, doc: SourceDoc) -> Problem:
    loc = _clean_loc(detail["loc"], doc.data)
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    field = loc[-1] if loc else ""
    container = loc[:-1]

    if kind in ("extra_forbidden", "missing"):
        word = "unknown" if kind == "extra_forbidden" else "missing"
        if container and container[-1] in LOCALIZED:
            hint = f" (use {' and '.join(LOCALES)})" if kind == "extra_forbidden" else ""
            if kind == "extra_forbidden" and not _LOCALE_LIKE.fullmatch(str(field)):
                hint = " (a comma inside {ru: ..., en: ...} splits the text: put it in quotes)"
            message = f"{word} locale '{field}' in {describe(container, doc.data)}{hint}"
        else:
            message = f"{word} field '{field}' in {describe(container, doc.data)}"
        if kind == "missing":
            return Problem(doc.name, doc.lines.value_line(container), message)
        return Problem(doc.name, doc.lines.line(loc), message)

    if kind in ("id_invalid", "id_too_long"):
        parent = container[:-2] if len(container) >= 2 and container[-2] in ENTITIES else container
        what = ctx.get("what", "")
        if field == "id":  # "option id 'x' in node 'q1'": the item is named by the bad id
            where = f" in {describe(parent, doc.data)}" if parent else ""
        else:  # a reference: "node id 'X' in next of node 'q2'"
            where = f" in {_field_phrase(loc, doc.data)}"
        if kind == "id_too_long":
            message = (
                f"{what} id '{ctx.get('value')}'{where} is too long: "
                f"at most {ctx.get('max')} characters ({CALLBACK_NOTE})"
            )
        else:
            message = f"{what} id '{ctx.get('value')}'{where} must {ctx.get('first', '')}"
            message += "use only a-z, 0-9 and _"
        return Problem(doc.name, doc.lines.line(loc), message)

    if kind in ("union_tag_invalid", "union_tag_not_found"):
        what = describe(loc, doc.data)
        if kind == "union_tag_invalid":
            message = f"unknown kind '{ctx.get('tag')}' of {what} (use question, info or result)"
            return Problem(doc.name, doc.lines.line((*loc, "kind")), message)
        message = f"missing field 'kind' in {what} (question, info or result)"
        return Problem(doc.name, doc.lines.value_line(loc), message)

    if kind in ("bad_condition", "condition_bounds"):
        return Problem(
            doc.name, doc.lines.value_line(loc), f"{describe(loc, doc.data)}: {_msg(detail)}"
        )

    if field in LOCALIZED and kind in ("model_type", "model_attributes_type", "dict_type"):
        message = (
            f"{_field_phrase(loc, doc.data)} must give the text in each locale, like "
            f"{{{', '.join(f'{locale}: ...' for locale in LOCALES)}}}"
        )
        return Problem(doc.name, doc.lines.line(loc), message)

    if field in LOCALES and container and container[-1] in LOCALIZED and kind == "string_too_short":
        message = f"empty text for locale '{field}' in {describe(container, doc.data)}"
        return Problem(doc.name, doc.lines.line(loc), message)

    if kind in ("too_short", "too_long"):
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        bound = "at least" if kind == "too_short" else "at most"
        message = f"{_field_phrase(loc, doc.data)}: needs {bound} {size} item(s)"
        return Problem(doc.name, doc.lines.line(loc), message)

    message = f"{_field_phrase(loc, doc.data)}: {_msg(detail)}"
    value = detail.get("input")
    if kind == "string_type":
        if isinstance(value, bool):
            message += " (YAML reads yes/no/on/off/true/false as a truth value: put it in quotes)"
        elif isinstance(value, int | float):
            message += " (put it in quotes)"
    return Problem(doc.name, doc.lines.line(loc), message)


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


def _clean_loc(loc: tuple[int | str, ...], data: object) -> Loc:
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
            if element in UNION_TAGS:
                continue
        elif isinstance(current, list) and isinstance(element, int) and element < len(current):
            clean.append(element)
            current = current[element]
            continue
        clean.append(element)
        current = None
    return tuple(clean)


def describe(loc: Loc, data: object) -> str:
    """A location in words, innermost first: ``text of option 'a' of node 'q3'``."""
    parts: list[str] = []
    current: object = data
    index = 0
    in_condition = False
    while index < len(loc):
        element = loc[index]
        following = loc[index + 1] if index + 1 < len(loc) else None
        child = _child(current, element)
        if isinstance(element, str) and element in ENTITIES and isinstance(following, int):
            item = _child(child, following)
            ident = item.get("id") if isinstance(item, dict) else None
            label = f"'{ident}'" if isinstance(ident, str) else f"#{following + 1}"
            parts.append(f"{ENTITIES[element]} {label}")
            current = item
            index += 2
            continue
        if element == "rules" and isinstance(following, int):
            parts.append(f"rule {following + 1}")
            current = _child(child, following)
            index += 2
            continue
        if element == "when":
            parts.append("condition")
            in_condition = True
        elif in_condition and (element in ("all", "any") or isinstance(element, int)):
            pass  # inner conditions are still "condition of ..."
        elif element != "outcomes":
            parts.append(str(element))
        current = child
        index += 1
    if not parts:
        return "the quiz"
    return " of ".join(reversed(parts))


def _field_phrase(loc: Loc, data: object) -> str:
    if not loc:
        return "the quiz"
    field, container = loc[-1], loc[:-1]
    if container and container[-1] in _KEYED:
        return f"{container[-1]} for '{field}' of {describe(container[:-1], data)}"
    if not container:
        return str(field)
    if isinstance(field, int):
        return describe(loc, data)
    return f"{field} of {describe(container, data)}"


def _child(value: object, key: str | int) -> object:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return None

"""Content files (``kind: quiz``, ``kind: tips``, ...): the machinery every kind shares.

Reading YAML with the line of every value, problems as ``file:line: message``,
pydantic errors retold in a methodologist's words, the rules for texts and ids, and
checking a set of files with the kinds its caller passes in. Pure Python: no aiogram,
no database; and no kind of its own (the quiz kind lives in :mod:`bot.quiz`, the tips
kind in :mod:`bot.tips`, the bot's list of kinds in :mod:`bot.kinds`).
"""

from bot.content.cli import run_check
from bot.content.errors import ContentError, Problem, Severity
from bot.content.ids import CALLBACK_NOTE, NAME_ID, PLAIN_ID, id_rule
from bot.content.registry import (
    CONTENT_SUFFIXES,
    CrossCheck,
    FileCheck,
    FileReport,
    Kind,
    Kinds,
    content_files,
)
from bot.content.source import Loc, SourceDoc, SourceMap, parse_file, parse_text
from bot.content.texts import (
    LOCALES,
    TEXT_MAX,
    LocalizedText,
    Text,
    find_markup,
    text_problems,
)
from bot.content.validation import Vocabulary, describe, validate

__all__ = [
    "CALLBACK_NOTE",
    "CONTENT_SUFFIXES",
    "LOCALES",
    "NAME_ID",
    "PLAIN_ID",
    "TEXT_MAX",
    "ContentError",
    "CrossCheck",
    "FileCheck",
    "FileReport",
    "Kind",
    "Kinds",
    "Loc",
    "LocalizedText",
    "Problem",
    "Severity",
    "SourceDoc",
    "SourceMap",
    "Text",
    "Vocabulary",
    "content_files",
    "describe",
    "find_markup",
    "id_rule",
    "parse_file",
    "parse_text",
    "run_check",
    "text_problems",
    "validate",
]

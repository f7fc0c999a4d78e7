"""The content the bot serves: the kinds of file it knows, and loading them at start-up.

:mod:`bot.content` checks files of whatever kinds it is given; this module gives it the
bot's: quizzes (:mod:`bot.quiz`) and the tip catalogue (:mod:`bot.tips`). Pure Python:
no aiogram, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, Kinds, Problem, content_files
from bot.quiz import QUIZ_KIND, Quiz
from bot.resources import PACKAGED_CONTENT
from bot.tips import TIPS_KIND, TipCatalogue

KINDS = Kinds([QUIZ_KIND, TIPS_KIND])
"""Every kind of content file the bot reads (``careerbot quiz check`` knows these)."""


def content_folder(configured: Path | None) -> Path:
    """The folder to read: ``CONTENT_DIR`` when it is set, else the packaged content."""
    return configured if configured is not None else PACKAGED_CONTENT


@dataclass(frozen=True)
class Content:
    """Everything the bot serves, checked."""

    quizzes: dict[str, Quiz]
    """By quiz id."""
    tips: TipCatalogue


def load_content(folder: Path, kinds: Kinds = KINDS) -> Content:
    """Parse and check every content file of ``folder`` once, checks across files included.

    Raises :class:`ContentError` listing every error (``file:line: message``) if any
    file has one, or if the folder lacks a tip catalogue; warnings do not stop loading.
    """
    if not folder.is_dir():
        raise ContentError([Problem(str(folder), 0, "no such content folder")])
    reports = kinds.check_files([(path, str(path)) for path in content_files(folder)])
    problems = [problem for report in reports for problem in report.errors]
    quizzes = {r.value.id: r.value for r in reports if isinstance(r.value, Quiz)}
    catalogues = [r.value for r in reports if isinstance(r.value, TipCatalogue)]
    if not catalogues:
        problems.append(
            Problem(str(folder), 0, f"no tips file (kind: {TIPS_KIND.name}): the bot needs one")
        )
    if problems:
        raise ContentError(problems)
    return Content(quizzes=quizzes, tips=catalogues[0])

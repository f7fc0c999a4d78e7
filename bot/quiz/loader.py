"""Loading checked quizzes outside the bot (tests, tools): a quiz with any error is refused.

The bot itself loads all its content at once with :func:`bot.kinds.load_content`.
"""

from __future__ import annotations

from pathlib import Path

from bot.content import ContentError, FileReport, Kinds, Problem, content_files, parse_file
from bot.quiz.kind import QUIZ_KIND
from bot.quiz.models import Quiz

_QUIZ_ONLY = Kinds([QUIZ_KIND])


def load_quiz(path: Path) -> Quiz:
    """Parse, validate and check one quiz file; :class:`ContentError` lists every problem."""
    doc = parse_file(path)
    declared = doc.declared_kind
    if isinstance(declared, str) and declared not in _QUIZ_ONLY:
        line = doc.lines.line(("kind",))
        raise ContentError([Problem(doc.name, line, f"kind '{declared}' is not a quiz")])
    report = _QUIZ_ONLY.check_document(doc)
    if report.errors:
        raise ContentError(report.errors)
    assert isinstance(report.value, Quiz)  # a quiz file without errors has validated
    return report.value


def load_quizzes(folder: Path) -> dict[str, Quiz]:
    """Every ``kind: quiz`` file of a folder, by quiz id.

    Files that say they are of another kind are left alone (the checker of their kind
    looks at them). Raises :class:`ContentError` with the problems of all quiz files,
    and of files whose kind cannot be read, if any has an error.
    """
    problems: list[Problem] = []
    reports: list[FileReport] = []
    for path in content_files(folder):
        try:
            doc = parse_file(path)
        except ContentError as error:
            problems.extend(error.problems)
            continue
        declared = doc.declared_kind
        if not isinstance(declared, str) or declared in _QUIZ_ONLY:
            reports.append(_QUIZ_ONLY.check_document(doc))
    quizzes: dict[str, Quiz] = {}
    for report in _QUIZ_ONLY.cross_check(reports):
        problems.extend(report.errors)
        if isinstance(report.value, Quiz) and report.ok:
            quizzes[report.value.id] = report.value
    if problems:
        raise ContentError(problems)
    return quizzes

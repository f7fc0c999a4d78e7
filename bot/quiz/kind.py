"""``kind: quiz``: how the content framework checks a quiz file."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content import ContentError, FileReport, Kind, Problem, SourceDoc, validate
from bot.quiz.checker import check_quiz
from bot.quiz.measures import coverage_line
from bot.quiz.models import VOCABULARY, Quiz


def check_quiz_document(doc: SourceDoc) -> FileReport:
    """Shape (the models), then sense (the checker) of one quiz file."""
    try:
        quiz = validate(Quiz, doc, VOCABULARY)
    except ContentError as error:
        return FileReport(doc.name, problems=list(error.problems))
    problems, stats = check_quiz(quiz, doc)
    details = ""
    if stats is not None:
        details = (
            f"{stats.nodes} nodes, {stats.questions} questions, questions per path: "
            f"shortest {stats.shortest}, longest {stats.longest}"
        )
        if stats.paths:
            details += "; " + coverage_line(quiz, list(stats.paths))
    return FileReport(doc.name, problems=problems, details=details, value=quiz)


def unique_quiz_ids(reports: Sequence[FileReport]) -> list[Problem]:
    """Two quiz files with the same id would shadow each other in the bot."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for report in reports:
        if not isinstance(report.value, Quiz) or report.doc is None:
            continue
        quiz_id = report.value.id
        if quiz_id in seen:
            line = report.doc.lines.line(("id",))
            problems.append(
                Problem(report.name, line, f"quiz id '{quiz_id}' is also used by {seen[quiz_id]}")
            )
        else:
            seen[quiz_id] = report.name
    return problems


QUIZ_KIND = Kind("quiz", check_quiz_document, cross_checks=(unique_quiz_ids,))
"""The quiz kind, for a :class:`bot.content.Kinds` (the bot's list is in :mod:`bot.kinds`)."""

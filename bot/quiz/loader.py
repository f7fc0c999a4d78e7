"""Loading checked quizzes for the bot: a quiz with any error is never served."""

from __future__ import annotations

from pathlib import Path

from bot.quiz.content import check_files, content_files
from bot.quiz.errors import Problem, QuizError
from bot.quiz.models import Quiz


def load_quiz(path: Path) -> Quiz:
    """Parse, validate and check one quiz file; :class:`QuizError` lists every problem."""
    (report,) = check_files([(path, str(path))])
    if report.errors:
        raise QuizError(report.errors)
    if not isinstance(report.value, Quiz):
        raise QuizError([Problem(report.name, 1, f"kind '{report.kind}' is not a quiz")])
    return report.value


def load_quizzes(folder: Path) -> dict[str, Quiz]:
    """Every ``kind: quiz`` file of a folder, by quiz id; other kinds are left alone.

    Raises :class:`QuizError` with the problems of all quiz files (and of files whose
    kind cannot be told) if any has an error.
    """
    reports = check_files([(path, str(path)) for path in content_files(folder)])
    problems: list[Problem] = []
    quizzes: dict[str, Quiz] = {}
    for report in reports:
        if report.kind not in (None, "quiz"):
            continue
        problems.extend(report.errors)
        if isinstance(report.value, Quiz) and report.ok:
            quizzes[report.value.id] = report.value
    if problems:
        raise QuizError(problems)
    return quizzes

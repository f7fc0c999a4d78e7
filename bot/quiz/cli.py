"""What ``careerbot quiz graph`` and ``quiz measure`` do (argparse lives in
:mod:`bot.__main__`).

``careerbot quiz check`` is the content framework's: :func:`bot.content.run_check`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, TextIO

from bot.content import Kinds
from bot.quiz.diagram import render
from bot.quiz.kind import QUIZ_KIND
from bot.quiz.measures import measure, table
from bot.quiz.models import Quiz


def run_graph(
    path: Path,
    fmt: Literal["mermaid", "dot"],
    out: TextIO,
    *,
    locale: str = "ru",
    err: TextIO | None = None,
    kinds: Kinds | None = None,
) -> int:
    """Print a quiz as a diagram to ``out``.

    A quiz that validates is drawn even if the checker finds problems (the picture
    helps to fix them); the problems go to ``err`` (stderr by default). Returns 1 only
    when there is nothing to draw. ``kinds`` are those the file may be of (default:
    only quizzes), so that another kind is named as such.
    """
    quiz = _read(path, err, kinds, "nothing to draw")
    if quiz is None:
        return 1
    out.write(render(quiz, fmt, locale))
    return 0


def run_measure(
    path: Path, out: TextIO, *, err: TextIO | None = None, kinds: Kinds | None = None
) -> int:
    """Print the questions scoring each trait on every path of a quiz, with the most one
    answer can move each trait's score, as a Markdown table."""
    quiz = _read(path, err, kinds, "nothing to measure")
    if quiz is None:
        return 1
    if not quiz.graph.acyclic:
        (err or sys.stderr).write(f"{path}: the quiz loops, its paths cannot be counted\n")
        return 1
    out.write(table(quiz, measure(quiz)) + "\n")
    return 0


def _read(path: Path, err: TextIO | None, kinds: Kinds | None, missing: str) -> Quiz | None:
    """The quiz in a file, its problems written to ``err`` (stderr by default)."""
    errors = err if err is not None else sys.stderr
    (report,) = (kinds or Kinds([QUIZ_KIND])).check_files([(path, str(path))])
    for problem in report.problems:
        errors.write(f"{problem}\n")
    if not isinstance(report.value, Quiz):
        if report.kind not in (None, QUIZ_KIND.name):
            errors.write(f"{report.name}: kind '{report.kind}' is not a quiz, {missing}\n")
        return None
    return report.value

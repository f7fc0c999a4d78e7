"""What ``careerbot quiz check`` and ``careerbot quiz graph`` do (argparse lives elsewhere)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TextIO

from bot.quiz.content import (
    CONTENT_SUFFIXES,
    check_files,
    content_files,
    default_folder,
    known_kinds,
)
from bot.quiz.diagram import render
from bot.quiz.models import Quiz


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _collect(paths: Sequence[Path], out: TextIO) -> list[tuple[Path, str]] | None:
    if not paths:
        folder = default_folder()
        if not folder.is_dir():
            out.write(f"{_shown(folder)}: no such folder\n")
            return None
        return [(p, _shown(p)) for p in content_files(folder)]
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend((p, _shown(p)) for p in content_files(path))
        elif path.suffix in CONTENT_SUFFIXES or not path.exists():
            files.append((path, str(path)))
        else:
            out.write(f"{path}: skipped, not a YAML content file\n")
    return files


def run_check(paths: Sequence[Path], out: TextIO) -> int:
    """Check content files (all of ``quizzes/`` when ``paths`` is empty).

    Prints each problem as ``file:line: message``, then one summary line per file.
    Returns 0 when no file has an error (warnings do not fail), else 1.
    """
    files = _collect(paths, out)
    if files is None:
        return 1
    if not files:
        out.write("no content files to check (kinds: " + ", ".join(known_kinds()) + ")\n")
        return 1
    reports = check_files(files)
    for report in reports:
        for problem in report.problems:
            out.write(f"{problem}\n")
    for report in reports:
        out.write(f"{report.summary}\n")
    return 0 if all(report.ok for report in reports) else 1


def run_graph(
    path: Path,
    fmt: Literal["mermaid", "dot"],
    out: TextIO,
    *,
    locale: str = "ru",
    err: TextIO | None = None,
) -> int:
    """Print a quiz as a diagram to ``out``.

    A quiz that validates is drawn even if the checker finds problems (the picture
    helps to fix them); the problems go to ``err`` (stderr by default). Returns 1 only
    when there is nothing to draw.
    """
    errors = err if err is not None else sys.stderr
    (report,) = check_files([(path, str(path))])
    for problem in report.problems:
        errors.write(f"{problem}\n")
    if not isinstance(report.value, Quiz):
        if report.kind not in (None, "quiz"):
            errors.write(f"{report.name}: kind '{report.kind}' is not a quiz, nothing to draw\n")
        return 1
    out.write(render(report.value, fmt, locale))
    return 0

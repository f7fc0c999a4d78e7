"""Helpers for checker tests: run `careerbot quiz check` on a file and find problems
by the line of a fragment of the file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content import run_check as check_content
from bot.kinds import KINDS, content_folder

QUIZ_TRAITS = (
    "patience",
    "empathy",
    "communication",
    "technical",
    "organisation",
    "responsibility",
    "teamwork",
    "stress",
    "problem_solving",
    "learning",
    "memory",
    "endurance",
)
"""The qualities the seed articles name: the traits of the shipped quiz."""


def run_check(paths: Sequence[Path], out: TextIO) -> int:
    """`careerbot quiz check` with the bot's kinds (no paths: the packaged content)."""
    return check_content(paths, out, kinds=KINDS, folder=content_folder(None))


def line_of(text: str, fragment: str) -> int:
    """1-based line where a unique fragment starts."""
    assert text.count(fragment) == 1, fragment
    return text[: text.index(fragment)].count("\n") + 1


def check_text(path: Path, text: str) -> tuple[int, list[str], Path]:
    """Write `text` to `path` and check it: exit code, output lines, the path."""
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = run_check([path], out)
    return code, out.getvalue().splitlines(), path


def assert_problem(
    code: int, lines: list[str], path: Path, text: str, fragment: str, message: str
) -> list[str]:
    """The check failed with `path:line: message` at the fragment's line."""
    assert code == 1, lines
    assert f"{path}:{line_of(text, fragment)}: {message}" in lines, lines
    return lines

"""Problems of content files, each with its file and line, and the error that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a content file, printed as ``file:line: message``.

    Line 0 means the file (or folder) as a whole and is printed as ``file: message``.
    """

    file: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        return f"{where}: {prefix}{self.message}"

    def as_warning(self) -> Problem:
        return Problem(self.file, self.line, self.message, "warning")


class ContentError(Exception):
    """Content cannot be used; ``problems`` says where and why, one per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid content")

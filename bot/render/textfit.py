"""Fitting a text into a width: the wrapping, shrinking and cutting both charts share.

A chart gives the widths (:meth:`Measure.width`, in pixels, as its renderer will draw
the text); the rules of where a line breaks, which size is chosen and how an absurdly
long text is cut are here, once. Plain Python: cheap to import.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

DPI = 100  # sizes are in points: 1 pt = DPI/72 px
LINE_SPACING = 1.2  # of the font size, from one line to the next


def px(points: float) -> float:
    return points * DPI / 72


@dataclass(frozen=True)
class Fitted:
    lines: list[str]
    size: float

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def height(self) -> float:
        return px(self.size) * LINE_SPACING * len(self.lines)


class Measure(ABC):
    """Text widths in pixels, and text fitted to a width by them."""

    @abstractmethod
    def width(self, text: str, size: float, bold: bool) -> float:
        """The width of *text* in the chart's font of *size* points."""

    def fit(
        self, text: str, max_width: float, sizes: Sequence[float], max_lines: int, bold: bool
    ) -> Fitted:
        """Wrap *text* at spaces and hyphens into at most *max_lines* lines no wider
        than *max_width*, at the largest of *sizes* that allows it; at the smallest size
        cut what does not fit with "…"."""
        tokens = _tokens(" ".join(text.split()))
        for size in sizes:
            lines = self._wrap(tokens, size, bold, max_width)
            if len(lines) == 2:
                lines = self._balance(tokens, size, bold, max_width) or lines
            if len(lines) <= max_lines and all(
                self.width(line, size, bold) <= max_width for line in lines
            ):
                return Fitted(lines, size)
        size = sizes[-1]
        lines = self._wrap(tokens, size, bold, max_width)
        kept = [self._cut(line, size, bold, max_width, force=False) for line in lines[:max_lines]]
        if len(lines) > max_lines:
            kept[-1] = self._cut(kept[-1], size, bold, max_width, force=True)
        return Fitted(kept, size)

    def _wrap(
        self, tokens: list[tuple[str, str]], size: float, bold: bool, limit: float
    ) -> list[str]:
        lines: list[str] = []
        current = ""
        for glue, word in tokens:
            candidate = current + glue + word if current else word
            if not current or self.width(candidate, size, bold) <= limit:
                current = candidate
            else:
                lines.append(current.rstrip())
                current = word
        if current:
            lines.append(current.rstrip())
        return lines or [""]

    def _balance(
        self, tokens: list[tuple[str, str]], size: float, bold: bool, limit: float
    ) -> list[str] | None:
        """The two-line split with the narrowest wider line (no one-word widow), breaking
        at a space if any such split fits, else at a hyphen."""
        best: dict[bool, tuple[float, list[str]]] = {}
        for cut in range(1, len(tokens)):
            lines = [_join(tokens[:cut]), _join(tokens[cut:])]
            widest = max(self.width(line, size, bold) for line in lines)
            at_space = tokens[cut][0] == " "
            if widest <= limit and (at_space not in best or widest < best[at_space][0]):
                best[at_space] = (widest, lines)
        chosen = best.get(True) or best.get(False)
        return chosen[1] if chosen else None

    def _cut(self, line: str, size: float, bold: bool, limit: float, *, force: bool) -> str:
        if not force and self.width(line, size, bold) <= limit:
            return line
        while line and self.width(line.rstrip(" -") + "…", size, bold) > limit:
            line = line[:-1]
        return line.rstrip(" -") + "…"


def _join(tokens: Sequence[tuple[str, str]]) -> str:
    return "".join(glue + piece if i else piece for i, (glue, piece) in enumerate(tokens))


def _tokens(text: str) -> list[tuple[str, str]]:
    """Words with the glue before them: ("", first), (" ", word), ("", after-a-hyphen)."""
    tokens: list[tuple[str, str]] = []
    for i, word in enumerate(text.split(" ")):
        parts = word.split("-")
        for j, part in enumerate(parts):
            piece = part + ("-" if j < len(parts) - 1 else "")
            if not piece:
                continue
            glue = " " if i and not j else ""
            tokens.append((glue, piece))
    return tokens

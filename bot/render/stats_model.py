"""What a career centre's statistics chart shows: plain data, no matplotlib.

A value of ``None`` is hidden for privacy (a group of fewer than 10 students): the chart
leaves its bar out, marks the row and adds ``hidden_note`` at the bottom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _check_count(label: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"count of {label!r} is negative")


def _check_score(label: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"score of {label!r} is not a finite number")


@dataclass(frozen=True, slots=True)
class LabelledCount:
    """A number of students, e.g. in one band or with one recommended specialisation."""

    label: str
    value: int | None

    def __post_init__(self) -> None:
        _check_count(self.label, self.value)


@dataclass(frozen=True, slots=True)
class TraitComparison:
    """A trait's average 0–100 score: this centre's students and all the bot's students.

    Scores outside 0–100 are clamped when drawn.
    """

    label: str
    centre: float | None
    everyone: float | None

    def __post_init__(self) -> None:
        _check_score(self.label, self.centre)
        _check_score(self.label, self.everyone)


@dataclass(frozen=True, slots=True)
class DropoffRow:
    """One quiz screen: how many students reached it and how many answered it."""

    label: str
    reached: int | None
    answered: int | None

    def __post_init__(self) -> None:
        _check_count(self.label, self.reached)
        _check_count(self.label, self.answered)


@dataclass(frozen=True, slots=True)
class StatsChartInput:
    """Everything drawn on a centre's statistics image, texts already localized.

    Rows go top to bottom in the given order. A panel whose rows are all hidden, or
    that has no rows, is left out.
    """

    title: str
    subtitle: str
    bands_title: str
    bands: tuple[LabelledCount, ...]
    specialisations_title: str
    specialisations: tuple[LabelledCount, ...]
    traits_title: str
    traits: tuple[TraitComparison, ...]
    centre_legend: str
    everyone_legend: str
    dropoff_title: str
    dropoff: tuple[DropoffRow, ...]
    reached_legend: str
    answered_legend: str
    hidden_note: str

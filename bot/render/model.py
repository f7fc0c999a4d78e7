"""What the profile chart shows: plain data, no matplotlib (cheap to import)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

TraitKind = Literal["strength", "growth", "normal"]
TRAIT_KINDS: frozenset[str] = frozenset(get_args(TraitKind))


@dataclass(frozen=True, slots=True)
class TraitBar:
    """One bar: a trait's name in the student's language and its 0–100 score.

    ``score=None`` means the trait was not measured; it is drawn as "—".
    Scores outside 0–100 are clamped when drawn.
    """

    label: str
    score: float | None
    kind: TraitKind = "normal"

    def __post_init__(self) -> None:
        if self.kind not in TRAIT_KINDS:
            raise ValueError(f"unknown trait kind {self.kind!r}")
        if self.score is not None and not math.isfinite(self.score):
            raise ValueError(f"score of {self.label!r} is not a finite number")


@dataclass(frozen=True, slots=True)
class ChartInput:
    """Everything drawn on a student's profile image.

    ``traits`` go top to bottom in the given order. ``previous`` maps a trait label to
    its score on the previous attempt (drawn as a faint marker); ``None`` or ``{}`` means
    there was no previous attempt. ``legend`` holds the localized names of
    (strength, growth, previous attempt).
    """

    title: str
    subtitle: str
    traits: Sequence[TraitBar]
    previous: Mapping[str, float] | None = None
    legend: tuple[str, str, str] = ("Strength", "Area to grow", "Last time")

    def __post_init__(self) -> None:
        if not self.traits:
            raise ValueError("a profile chart needs at least one trait")

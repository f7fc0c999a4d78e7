"""Hand-made students for the shipped quiz (issue 12): what each of them values, so that a
walk answers as that person would. The engine's measurements and end-to-end walks use
the same people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.quiz import Option


@dataclass(frozen=True)
class Persona:
    traits: Mapping[str, int]
    """How much the person values each trait (negative: what they avoid)."""
    interests: Mapping[str, int]
    """How much a specialisation an option leans to draws them (negative: puts them off)."""

    def liking(self, option: Option) -> float:
        own = sum(self.traits.get(t, 0) * p for t, p in option.points.items())
        return own + (self.interests.get(option.interest, 0) if option.interest else 0)

    def choose(self, options: Sequence[Option]) -> Option:
        """The option they like best. Of options they like alike (an item on nothing they
        care about), the one worth more points in all, then the first given: a sincere
        person answers such items steadily, so twin items do not flag them as careless."""
        return max(options, key=lambda option: (self.liking(option), sum(option.points.values())))


PERSONAS = {
    # a patient technical tinkerer who dislikes phone calls
    "tech_support": Persona(
        {"technical": 3, "problem_solving": 3, "patience": 2, "endurance": 2, "communication": -1},
        {"tech_support": 2, "product_comms": -2},
    ),
    # a people person who avoids technology
    "product_comms": Persona(
        {"empathy": 3, "communication": 3, "patience": 2, "stress": 2, "technical": -3},
        {"product_comms": 2, "tech_support": -2},
    ),
    # a product-minded organiser
    "software_support": Persona(
        {"organisation": 3, "memory": 2, "learning": 2, "responsibility": 1},
        {"software_support": 2},
    ),
}
"""Keyed by the specialisation each of them fits."""

"""Scores, conditions and the profile: pure functions of the answers given.

A trait's score is the points earned divided by the points achievable on the
questions this student actually answered (the best option of each), as 0-100. So a
student on a short branch is compared with what that branch could give, not with
questions they never saw. Every comparison (rules, bands) uses the rounded whole
number the student is shown; rounding is half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from bot.quiz.models import (
    OVERALL,
    AllOf,
    AnyOf,
    Band,
    Condition,
    Option,
    QuestionNode,
    Quiz,
    ScoreCondition,
    Specialisation,
)


def round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


@dataclass(frozen=True)
class Tally:
    """Points earned and achievable so far, per trait (in the quiz's trait order)."""

    traits: tuple[str, ...]
    earned: tuple[int, ...]
    achievable: tuple[int, ...]

    @classmethod
    def empty(cls, quiz: Quiz) -> Tally:
        zeros = tuple(0 for _ in quiz.traits)
        return cls(quiz.trait_ids, zeros, zeros)

    def add(self, question: QuestionNode, option: Option) -> Tally:
        """The tally after answering ``question`` with ``option``."""
        return Tally(
            self.traits,
            tuple(
                e + option.points.get(t, 0) for t, e in zip(self.traits, self.earned, strict=True)
            ),
            tuple(
                a + question.max_points(t)
                for t, a in zip(self.traits, self.achievable, strict=True)
            ),
        )

    def exact(self, trait_id: str) -> Fraction | None:
        """The exact 0-100 score of a trait, or None if no answered question scored it."""
        position = self.traits.index(trait_id)
        achievable = self.achievable[position]
        if achievable == 0:
            return None
        return Fraction(100 * self.earned[position], achievable)


@dataclass(frozen=True)
class Scores:
    """Rounded scores (0-100) by trait id, ``None`` for a trait not measured yet."""

    traits: dict[str, int | None]
    overall: int | None

    def get(self, name: str) -> int | None:
        return self.overall if name == OVERALL else self.traits.get(name)


def _weighted(pairs: list[tuple[int, Fraction]]) -> Fraction | None:
    total = sum(weight for weight, _ in pairs)
    if total == 0:
        return None
    return sum((weight * value for weight, value in pairs), Fraction(0)) / total


def overall_exact(quiz: Quiz, tally: Tally) -> Fraction | None:
    """Weighted mean of the measured traits (trait ``weight``); None if none is measured."""
    pairs = [(t.weight, s) for t in quiz.traits if (s := tally.exact(t.id)) is not None]
    return _weighted(pairs)


def scores_of(quiz: Quiz, tally: Tally) -> Scores:
    traits: dict[str, int | None] = {}
    for trait_id in quiz.trait_ids:
        exact = tally.exact(trait_id)
        traits[trait_id] = None if exact is None else round_half_up(exact)
    overall = overall_exact(quiz, tally)
    return Scores(traits, None if overall is None else round_half_up(overall))


def holds(condition: Condition, scores: Scores) -> bool:
    """Evaluate a structured condition. A score not measured yet makes a leaf false."""
    if isinstance(condition, AllOf):
        return all(holds(inner, scores) for inner in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(inner, scores) for inner in condition.conditions)
    return _leaf(condition, scores)


def _leaf(condition: ScoreCondition, scores: Scores) -> bool:
    value = scores.get(condition.score)
    if value is None:
        return False
    if condition.at_least is not None and value < condition.at_least:
        return False
    return not (condition.below is not None and value >= condition.below)


# --- the profile --------------------------------------------------------------------------


@dataclass(frozen=True)
class TraitScore:
    trait_id: str
    score: int | None
    """0-100, or None when no question on the student's path scored this trait."""
    earned: int
    achievable: int


@dataclass(frozen=True)
class SpecialisationFit:
    specialisation_id: str
    fit: int
    """0-100: the specialisation's weighted mean of the student's trait scores."""
    interest: bool
    """The student said they are drawn to this specialisation."""


@dataclass(frozen=True)
class Profile:
    """What a finished attempt says about the student."""

    quiz_id: str
    quiz_version: int
    traits: tuple[TraitScore, ...]
    overall: int | None
    strengths: tuple[str, ...]
    growth_areas: tuple[str, ...]
    band: Band
    fits: tuple[SpecialisationFit, ...]
    recommended: Specialisation
    interest: str | None

    @property
    def scores(self) -> dict[str, int | None]:
        return {t.trait_id: t.score for t in self.traits}

    def score(self, trait_id: str) -> int | None:
        return self.scores[trait_id]

    @property
    def band_id(self) -> str:
        return self.band.id

    @property
    def recommended_id(self) -> str:
        return self.recommended.id

    def fit(self, specialisation_id: str) -> int:
        return next(f.fit for f in self.fits if f.specialisation_id == specialisation_id)


def choose_band(quiz: Quiz, scores: Scores) -> Band:
    """The first band whose condition holds; the checker makes the last one unconditional."""
    for band in quiz.outcomes.bands:
        if band.when is None or holds(band.when, scores):
            return band
    return quiz.outcomes.bands[-1]


def fits_of(quiz: Quiz, tally: Tally, interest: str | None) -> tuple[SpecialisationFit, ...]:
    fits: list[SpecialisationFit] = []
    for specialisation in quiz.outcomes.specialisations:
        pairs = [
            (weight, exact)
            for trait_id, weight in specialisation.weights.items()
            if trait_id in quiz.trait_ids and (exact := tally.exact(trait_id)) is not None
        ]
        mean = _weighted(pairs)
        fit = 0 if mean is None else round_half_up(mean)
        fits.append(SpecialisationFit(specialisation.id, fit, specialisation.id == interest))
    return tuple(fits)


def recommend(quiz: Quiz, fits: tuple[SpecialisationFit, ...]) -> Specialisation:
    """Best fit plus ``interest_bonus`` for the student's own interest; ties go to the
    interest, then to the order of the file."""
    bonus = quiz.outcomes.interest_bonus
    best = max(
        enumerate(fits),
        key=lambda pair: (
            pair[1].fit + (bonus if pair[1].interest else 0),
            pair[1].interest,
            -pair[0],
        ),
    )
    return quiz.outcomes.specialisations[best[0]]


def build_profile(quiz: Quiz, tally: Tally, interest: str | None) -> Profile:
    scores = scores_of(quiz, tally)
    order = {trait_id: position for position, trait_id in enumerate(quiz.trait_ids)}
    measured = [(t, s) for t, s in scores.traits.items() if s is not None]
    rule = quiz.outcomes.strengths
    strong = sorted(
        ((t, s) for t, s in measured if s >= rule.min_score), key=lambda p: (-p[1], order[p[0]])
    )
    strengths = tuple(t for t, _ in strong[: rule.count])
    below = quiz.outcomes.growth_areas.below
    weak = sorted(
        ((t, s) for t, s in measured if t not in strengths and s < below),
        key=lambda p: (p[1], order[p[0]]),
    )
    growth_areas = tuple(t for t, _ in weak[: quiz.outcomes.growth_areas.count])
    fits = fits_of(quiz, tally, interest)
    traits = tuple(
        TraitScore(t, scores.traits[t], e, a)
        for t, e, a in zip(tally.traits, tally.earned, tally.achievable, strict=True)
    )
    return Profile(
        quiz_id=quiz.id,
        quiz_version=quiz.version,
        traits=traits,
        overall=scores.overall,
        strengths=strengths,
        growth_areas=growth_areas,
        band=choose_band(quiz, scores),
        fits=fits,
        recommended=recommend(quiz, fits),
        interest=interest,
    )

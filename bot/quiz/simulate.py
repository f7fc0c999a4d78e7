"""Simulated students: how the quiz's bands come out for answering with no thought at all.

Pure and seeded, so the figures in docs/quiz-measurements.md can be reproduced
(``python -m bench.quiz``) and the property tests can hold the quiz to them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.quiz.models import Option, QuestionNode, Quiz
from bot.quiz.runner import QuizRun
from bot.quiz.scoring import Profile

Strategy = Callable[[QuestionNode, Sequence[Option], random.Random], Option]
"""Picks an option of a question from the options in the order the student sees them."""


def uniform(_node: QuestionNode, shown: Sequence[Option], rng: random.Random) -> Option:
    return rng.choice(list(shown))


def always_first(_node: QuestionNode, shown: Sequence[Option], _rng: random.Random) -> Option:
    return shown[0]


def always_last(_node: QuestionNode, shown: Sequence[Option], _rng: random.Random) -> Option:
    return shown[-1]


def most_points(node: QuestionNode, _shown: Sequence[Option], _rng: random.Random) -> Option:
    """The option worth the most points in all: a student gaming the quiz."""
    return max(node.options, key=lambda o: sum(o.points.values()))


STRATEGIES: dict[str, Strategy] = {
    "random": uniform,
    "always first": always_first,
    "always last": always_last,
    "most points": most_points,
}


@dataclass(frozen=True)
class Walk:
    """One simulated attempt: its finished run and profile."""

    run: QuizRun
    profile: Profile


def walk(quiz: Quiz, strategy: Strategy, rng: random.Random) -> Walk:
    run = QuizRun.start(quiz)
    while not run.finished:
        node = run.current
        if isinstance(node, QuestionNode):
            run = run.answer(strategy(node, node.options, rng).id)
        else:
            run = run.proceed()
    return Walk(run, run.profile())


@dataclass(frozen=True)
class Distribution:
    students: int
    bands: Counter[str]

    def share(self, band_ids: Sequence[str]) -> float:
        return sum(self.bands[b] for b in band_ids) / self.students


def distribution(quiz: Quiz, strategy: Strategy, students: int, seed: int) -> Distribution:
    rng = random.Random(seed)  # noqa: S311 -- a reproducible simulation, not a secret
    bands: Counter[str] = Counter()
    for _ in range(students):
        bands[walk(quiz, strategy, rng).profile.band_id] += 1
    return Distribution(students, bands)

"""Simulated students: how the quiz's bands come out for answering with no thought at all.

Pure and seeded, so the figures in docs/quiz-measurements.md can be reproduced
(``python -m bench.quiz``) and the property tests can hold the quiz to them.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.quiz.careless import Flag, careless_flags
from bot.quiz.models import Option, QuestionNode, Quiz
from bot.quiz.order import SEED_LIMIT, shown_options
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


def most_points(node: QuestionNode, shown: Sequence[Option], rng: random.Random) -> Option:
    """The option worth the most points in all (a student gaming the quiz); ties by chance."""
    most = max(sum(o.points.values()) for o in shown)
    return rng.choice([o for o in shown if sum(o.points.values()) == most])


STRATEGIES: dict[str, Strategy] = {
    "random": uniform,
    "always first": always_first,
    "always last": always_last,
    "most points": most_points,
}


@dataclass(frozen=True)
class Walk:
    """One simulated attempt: its finished run, profile and careless-answering flags
    (answer times are not simulated, so never "too fast")."""

    run: QuizRun
    profile: Profile
    flags: tuple[Flag, ...]


def walk(quiz: Quiz, strategy: Strategy, rng: random.Random, shuffled: bool = True) -> Walk:
    """One student; ``shuffled``: options in an order of the attempt's own, as the bot
    shows them (``False``: the file's order, as version 1 did)."""
    seed = rng.randrange(SEED_LIMIT) if shuffled else None
    run = QuizRun.start(quiz)
    while not run.finished:
        node = run.current
        if isinstance(node, QuestionNode):
            run = run.answer(strategy(node, shown_options(node, seed), rng).id)
        else:
            run = run.proceed()
    answers = [(a.node_id, a.option_id) for a in run.answers]
    return Walk(run, run.profile(), careless_flags(quiz, answers, seed))


@dataclass(frozen=True)
class Distribution:
    students: int
    bands: Counter[str]
    """Students per band, flagged or not."""
    unflagged: Counter[str]
    """Students per band whose answers raised no flag."""

    @property
    def flagged(self) -> int:
        return self.students - sum(self.unflagged.values())

    def share(self, band_ids: Sequence[str], *, unflagged: bool = False) -> float:
        counts = self.unflagged if unflagged else self.bands
        return sum(counts[b] for b in band_ids) / self.students


def distribution(
    quiz: Quiz, strategy: Strategy, students: int, seed: int, shuffled: bool = True
) -> Distribution:
    rng = random.Random(seed)  # noqa: S311 -- a reproducible simulation, not a secret
    bands: Counter[str] = Counter()
    unflagged: Counter[str] = Counter()
    for _ in range(students):
        found = walk(quiz, strategy, rng, shuffled)
        bands[found.profile.band_id] += 1
        if not found.flags:
            unflagged[found.profile.band_id] += 1
    return Distribution(students, bands, unflagged)

"""Careless answering, noticed from the answers themselves (Meade & Craig 2012): the same
screen position again and again, answers faster than anyone reads, and contradictory
answers to twin questions. A flagged result is still shown, with a plain warning; the
career centres' statistics count flagged attempts apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from bot.quiz.models import QuestionNode, Quiz
from bot.quiz.order import position_of


class Flag(StrEnum):
    SAME_POSITION = "same_position"
    TOO_FAST = "too_fast"
    CONTRADICTORY = "contradictory"


@dataclass(frozen=True)
class Limits:
    same_position_share: Fraction = Fraction(3, 4)
    """Flag when this share of questions or more was answered at one screen position
    (counted from the top or from the bottom, so "always the last" is one position)."""
    same_position_after: int = 8
    """Too few answers say nothing about a habit: below this many, no position flag."""
    fast_seconds: float = 2.0
    """An answer given sooner than this after its question appeared was not read."""
    fast_share: Fraction = Fraction(1, 2)
    """Flag when this share of questions or more was answered that fast."""
    far_apart: Fraction = Fraction(2, 3)
    """Twin answers at least this far apart (0-1 of a trait's range) disagree; fully
    apart (1) is a contradiction on its own, two that far apart are one too."""


LIMITS = Limits()


def careless_flags(
    quiz: Quiz,
    answers: Sequence[tuple[str, str]],
    seed: int | None,
    seconds: Sequence[float | None] | None = None,
    limits: Limits = LIMITS,
) -> tuple[Flag, ...]:
    """Flags for a finished attempt: its answers in order, its option seed and, when
    known, how many seconds each answer took (None where not measured)."""
    questions: list[tuple[int, QuestionNode, str]] = []
    for position, (node_id, option_id) in enumerate(answers):
        node = quiz.node(node_id)
        if isinstance(node, QuestionNode):
            questions.append((position, node, option_id))
    flags: list[Flag] = []
    if _same_position(questions, seed, limits):
        flags.append(Flag.SAME_POSITION)
    if seconds is not None:
        timed = [seconds[p] for p, _n, _o in questions if p < len(seconds)]
        fast = sum(1 for s in timed if s is not None and s < limits.fast_seconds)
        if questions and Fraction(fast, len(questions)) >= limits.fast_share:
            flags.append(Flag.TOO_FAST)
    if contradictions(quiz, answers, limits):
        flags.append(Flag.CONTRADICTORY)
    return tuple(flags)


def _same_position(
    questions: list[tuple[int, QuestionNode, str]], seed: int | None, limits: Limits
) -> bool:
    top: Counter[int] = Counter()
    bottom: Counter[int] = Counter()
    for _position, node, option_id in questions:
        shown = position_of(node, seed, option_id)
        if shown is None:
            continue
        top[shown] += 1
        bottom[len(node.options) - 1 - shown] += 1
    if len(questions) < limits.same_position_after:
        return False
    most = max([*top.values(), *bottom.values()], default=0)
    return Fraction(most, len(questions)) >= limits.same_position_share


def contradictions(quiz: Quiz, answers: Sequence[tuple[str, str]], limits: Limits = LIMITS) -> bool:
    """Twin questions answered far apart on a trait they share."""
    chosen = dict(answers)
    apart: list[Fraction] = []
    for node in quiz.nodes:
        if not isinstance(node, QuestionNode) or node.twin is None:
            continue
        twin = quiz.nodes_by_id.get(node.twin)
        if not isinstance(twin, QuestionNode) or node.id not in chosen or twin.id not in chosen:
            continue
        for trait in sorted(node.scored_traits() & twin.scored_traits()):
            distance = abs(
                _share(node, chosen[node.id], trait) - _share(twin, chosen[twin.id], trait)
            )
            if distance >= limits.far_apart:
                apart.append(distance)
                break
    return any(d >= 1 for d in apart) or len(apart) >= 2


def _share(node: QuestionNode, option_id: str, trait: str) -> Fraction:
    option = node.option(option_id)
    best = node.max_points(trait)
    if option is None or best == 0:
        return Fraction(0)
    return Fraction(option.points.get(trait, 0), best)

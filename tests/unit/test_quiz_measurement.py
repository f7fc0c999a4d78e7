"""Issue 12 on the shipped quiz, with the engine: no right answers, gaming and careless
answering do not pay, personas get the specialisation they fit on every track."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from bot.kinds import content_folder, load_content
from bot.quiz import Option, QuestionNode
from bot.quiz.careless import Flag, careless_flags
from bot.quiz.measures import dominant_option, measure
from bot.quiz.order import shown_options
from bot.quiz.simulate import (
    Strategy,
    always_first,
    always_last,
    distribution,
    most_points,
    walk,
)
from tests.personas import PERSONAS

QUIZ = load_content(content_folder(None)).quizzes["support_role"]
UPPER = [b.id for b in QUIZ.outcomes.bands[:2]]
TRACKS = [o.id for o in QUIZ.node("q_track").options]  # type: ignore[union-attr]


def test_no_scored_item_has_a_dominating_option() -> None:
    questions = [n for n in QUIZ.nodes if isinstance(n, QuestionNode)]
    assert [q.id for q in questions if dominant_option(q) is not None] == []
    assert QUIZ.no_right_answers


def test_each_trait_is_measured_apart_on_every_path() -> None:
    for path in measure(QUIZ):
        assert min(path.items.values()) >= 4, path.path
        assert max(path.largest_change.values()) <= 40, path.path
    for node in QUIZ.nodes:
        for option in getattr(node, "options", ()):
            assert len([t for t, p in option.points.items() if p]) <= 2, (node.id, option.id)


def test_the_options_order_is_the_attempts_own_and_stable() -> None:
    node = QUIZ.node("q_angry")
    assert isinstance(node, QuestionNode)
    orders = {tuple(o.id for o in shown_options(node, seed)) for seed in range(40)}
    assert len(orders) > 10
    assert shown_options(node, 7) == shown_options(node, 7)
    scale = QUIZ.node("s_routine")
    assert isinstance(scale, QuestionNode)
    assert shown_options(scale, 7) == scale.options  # a scale keeps its order


def test_always_the_most_points_does_not_get_the_top_band_with_certainty() -> None:
    found = distribution(QUIZ, most_points, 300, seed=5)
    assert found.bands[QUIZ.outcomes.bands[0].id] < found.students


@pytest.mark.parametrize("strategy", [always_first, always_last])
@pytest.mark.parametrize("track", TRACKS)
def test_the_same_position_every_time_is_flagged_on_every_path(
    strategy: Strategy, track: str
) -> None:
    def pick(node: QuestionNode, shown: Sequence[Option], rng: random.Random) -> Option:
        return node.option(track) or strategy(node, shown, rng)

    for seed in range(5):
        assert Flag.SAME_POSITION in walk(QUIZ, pick, random.Random(seed)).flags


def test_few_random_students_get_an_upper_band_without_a_flag() -> None:
    found = distribution(QUIZ, lambda n, s, rng: rng.choice(list(s)), 10_000, seed=12)
    assert found.share(UPPER, unflagged=True) <= 0.05


def test_answers_faster_than_reading_are_flagged() -> None:
    run = walk(QUIZ, lambda n, s, rng: rng.choice(list(s)), random.Random(3)).run
    answers = [(a.node_id, a.option_id) for a in run.answers]
    assert Flag.TOO_FAST in careless_flags(QUIZ, answers, None, [1.0] * len(answers))
    assert Flag.TOO_FAST not in careless_flags(QUIZ, answers, None, [6.0] * len(answers))


def test_contradictory_twins_are_flagged() -> None:
    careful = [("s_routine", "y"), ("s_variety", "n"), ("s_same_q", "ry"), ("s_manual", "rn")]
    assert careless_flags(QUIZ, careful, None) == ()
    yes_to_all = [("s_routine", "y"), ("s_variety", "y")]
    assert careless_flags(QUIZ, yes_to_all, None) == (Flag.CONTRADICTORY,)


@pytest.mark.parametrize("expected", sorted(PERSONAS))
@pytest.mark.parametrize("track", TRACKS)
def test_personas_get_their_specialisation_on_every_track(expected: str, track: str) -> None:
    persona = PERSONAS[expected]

    def pick(node: QuestionNode, shown: Sequence[Option], _rng: random.Random) -> Option:
        if node.id == "q_track":
            return node.option(track)  # type: ignore[return-value]
        return persona.choose(shown)

    for seed in range(3):
        assert walk(QUIZ, pick, random.Random(seed)).profile.recommended_id == expected

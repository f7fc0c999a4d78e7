"""Scoring: trait scores, conditions, bands, strengths, growth areas and fits."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from bot.quiz.models import LocalizedText, QuestionNode, Quiz
from bot.quiz.scoring import (
    Scores,
    Tally,
    build_profile,
    choose_band,
    holds,
    round_half_up,
    scores_of,
)


def text(value: str) -> dict[str, str]:
    return {"ru": value, "en": value}


def make_quiz(
    traits: list[str],
    *,
    weights: dict[str, int] | None = None,
    bands: list[dict[str, Any]] | None = None,
    specialisations: dict[str, dict[str, int]] | None = None,
    interest_bonus: int = 0,
) -> Quiz:
    """A quiz for scoring only: one question per trait with options worth 0 and 4."""
    nodes: list[dict[str, Any]] = []
    for position, trait in enumerate(traits):
        following = f"q{position + 1}" if position + 1 < len(traits) else "end"
        nodes.append(
            {
                "id": f"q{position}",
                "kind": "question",
                "text": text("?"),
                "options": [
                    {"id": "lo", "text": text("-"), "points": {trait: 0}},
                    {"id": "mid", "text": text("~"), "points": {trait: 2}},
                    {"id": "hi", "text": text("+"), "points": {trait: 4}},
                ],
                "next": following,
            }
        )
    nodes.append({"id": "end", "kind": "result", "text": text("end")})
    data: dict[str, Any] = {
        "kind": "quiz",
        "id": "scoring",
        "version": 1,
        "title": text("t"),
        "intro": text("i"),
        "start": "q0",
        "traits": [
            {
                "id": t,
                "name": text(t),
                "description": text(t),
                "weight": (weights or {}).get(t, 1),
            }
            for t in traits
        ],
        "nodes": nodes,
        "outcomes": {
            "bands": bands or [{"id": "any", "title": text("a"), "text": text("a")}],
            "specialisations": [
                {
                    "id": spec_id,
                    "name": text(spec_id),
                    "description": text(spec_id),
                    "weights": spec_weights,
                    "why": text("why"),
                    "learn": text("learn"),
                }
                for spec_id, spec_weights in (specialisations or {"only": {traits[0]: 1}}).items()
            ],
            "interest_bonus": interest_bonus,
        },
    }
    return Quiz.model_validate(data)


def tally_of(quiz: Quiz, choices: dict[str, str]) -> Tally:
    """Answer the question of each named trait with an option id ('lo', 'mid', 'hi')."""
    tally = Tally.empty(quiz)
    for node in quiz.nodes:
        if isinstance(node, QuestionNode):
            trait = next(iter(node.options[0].points))
            if trait in choices:
                option = node.option(choices[trait])
                assert option is not None
                tally = tally.add(node, option)
    return tally


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(0), 0),
        (Fraction(1, 2), 1),
        (Fraction(99, 2), 50),
        (Fraction(4999, 100), 50),
        (Fraction(4949, 100), 49),
        (Fraction(200, 3), 67),
        (Fraction(100), 100),
    ],
)
def test_round_half_up(value: Fraction, expected: int) -> None:
    assert round_half_up(value) == expected


def test_score_is_earned_over_achievable_on_answered_questions() -> None:
    quiz = make_quiz(["a", "b", "c"])
    tally = tally_of(quiz, {"a": "mid", "b": "hi"})
    assert tally.earned == (2, 4, 0)
    assert tally.achievable == (4, 4, 0)  # c was never asked: nothing achievable
    scores = scores_of(quiz, tally)
    assert scores.traits == {"a": 50, "b": 100, "c": None}
    assert scores.overall == 75  # the untouched trait is left out


def test_achievable_counts_the_best_option_even_if_not_chosen() -> None:
    quiz = make_quiz(["a"])
    node = quiz.node("q0")
    assert isinstance(node, QuestionNode)
    assert node.max_points("a") == 4
    assert node.max_points("zzz") == 0
    assert tally_of(quiz, {"a": "lo"}).exact("a") == 0


def test_overall_uses_trait_weights() -> None:
    quiz = make_quiz(["a", "b"], weights={"a": 3, "b": 1})
    scores = scores_of(quiz, tally_of(quiz, {"a": "hi", "b": "lo"}))
    assert scores.overall == 75


def test_overall_is_none_when_nothing_is_measured() -> None:
    quiz = make_quiz(["a"])
    assert scores_of(quiz, Tally.empty(quiz)) == Scores({"a": None}, None)


def condition(data: dict[str, Any]) -> Any:
    """Parse a condition through a band, the way the file does."""
    quiz = make_quiz(
        ["a", "b"],
        bands=[
            {"id": "x", "when": data, "title": text("x"), "text": text("x")},
            {"id": "y", "title": text("y"), "text": text("y")},
        ],
    )
    return quiz.outcomes.bands[0].when


@pytest.mark.parametrize(
    ("data", "a", "b", "expected"),
    [
        ({"score": "a", "at_least": 40}, 40, 0, True),
        ({"score": "a", "at_least": 40}, 39, 0, False),
        ({"score": "a", "below": 40}, 39, 0, True),
        ({"score": "a", "below": 40}, 40, 0, False),
        ({"score": "a", "at_least": 20, "below": 40}, 30, 0, True),
        ({"score": "a", "at_least": 20, "below": 40}, 40, 0, False),
        ({"score": "overall", "at_least": 50}, 60, 40, True),
        ({"all": [{"score": "a", "at_least": 50}, {"score": "b", "at_least": 50}]}, 60, 40, False),
        ({"any": [{"score": "a", "at_least": 50}, {"score": "b", "at_least": 50}]}, 60, 40, True),
        ({"any": [{"all": [{"score": "b", "below": 50}]}]}, 60, 40, True),
    ],
)
def test_conditions(data: dict[str, Any], a: int, b: int, expected: bool) -> None:
    scores = Scores({"a": a, "b": b}, (a + b) // 2)
    assert holds(condition(data), scores) is expected


def test_a_score_not_measured_makes_a_condition_false() -> None:
    scores = Scores({"a": None, "b": 10}, None)
    assert not holds(condition({"score": "a", "below": 50}), scores)
    assert not holds(condition({"score": "a", "at_least": 0}), scores)
    assert not holds(condition({"score": "overall", "below": 100}), scores)


def test_band_is_the_first_that_holds_and_the_last_catches_all() -> None:
    bands = [
        {
            "id": "top",
            "when": {"score": "overall", "at_least": 70},
            "title": text("t"),
            "text": text("t"),
        },
        {
            "id": "mid",
            "when": {"score": "overall", "at_least": 40},
            "title": text("m"),
            "text": text("m"),
        },
        {"id": "low", "title": text("l"), "text": text("l")},
    ]
    quiz = make_quiz(["a"], bands=bands)
    pick = {
        score: choose_band(quiz, Scores({"a": score}, score)).id
        for score in (0, 39, 40, 69, 70, 100)
    }
    assert pick == {0: "low", 39: "low", 40: "mid", 69: "mid", 70: "top", 100: "top"}
    assert choose_band(quiz, Scores({"a": None}, None)).id == "low"


def test_strengths_and_growth_areas_with_ties_in_trait_order() -> None:
    quiz = make_quiz(["a", "b", "c", "d", "e", "f"])
    tally = tally_of(quiz, {"a": "mid", "b": "hi", "c": "hi", "d": "lo", "e": "mid", "f": "lo"})
    profile = build_profile(quiz, tally, None)
    # scores: a 50, b 100, c 100, d 0, e 50, f 0; strengths need >= 60 (the default)
    assert profile.strengths == ("b", "c")
    assert profile.growth_areas == ("d", "f", "a")


def test_unmeasured_traits_are_neither_strengths_nor_growth_areas() -> None:
    quiz = make_quiz(["a", "b", "c"])
    profile = build_profile(quiz, tally_of(quiz, {"a": "hi"}), None)
    assert profile.scores == {"a": 100, "b": None, "c": None}
    assert profile.strengths == ("a",)
    assert profile.growth_areas == ()


def test_fit_is_the_weighted_mean_of_the_specialisation_traits() -> None:
    quiz = make_quiz(
        ["a", "b", "c"],
        specialisations={"x": {"a": 3, "b": 1}, "y": {"c": 1}, "z": {"b": 1, "c": 0}},
    )
    profile = build_profile(quiz, tally_of(quiz, {"a": "hi", "b": "lo", "c": "mid"}), None)
    assert {f.specialisation_id: f.fit for f in profile.fits} == {"x": 75, "y": 50, "z": 0}
    assert profile.recommended_id == "x"
    assert profile.fit("y") == 50


def test_interest_bonus_can_change_the_recommendation() -> None:
    specs = {"x": {"a": 1}, "y": {"b": 1}}
    tally_choices = {"a": "hi", "b": "mid"}  # x fits 100, y fits 50
    quiz = make_quiz(["a", "b"], specialisations=specs, interest_bonus=60)
    assert build_profile(quiz, tally_of(quiz, tally_choices), "y").recommended_id == "y"
    quiz = make_quiz(["a", "b"], specialisations=specs, interest_bonus=10)
    assert build_profile(quiz, tally_of(quiz, tally_choices), "y").recommended_id == "x"


def test_ties_go_to_the_interest_then_to_the_file_order() -> None:
    specs = {"x": {"a": 1}, "y": {"b": 1}}
    quiz = make_quiz(["a", "b"], specialisations=specs)
    tally = tally_of(quiz, {"a": "mid", "b": "mid"})
    assert build_profile(quiz, tally, None).recommended_id == "x"
    assert build_profile(quiz, tally, "y").recommended_id == "y"


def test_localized_text_falls_back_to_the_first_locale() -> None:
    value = LocalizedText(ru=" Привет ", en="Hello")
    assert (value.get("ru"), value.get("en"), value.get("de")) == ("Привет", "Hello", "Привет")
    assert value.items() == [("ru", "Привет"), ("en", "Hello")]

"""order_tips: the weakest traits first, the three core categories in the opening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.tips import CORE_CATEGORIES, TipCatalogue, load_tips, order_tips
from bot.tips.planner import trait_ranks

ROOT = Path(__file__).resolve().parents[2]


def catalogue_of(*tips: tuple[str, str, tuple[str, ...]]) -> TipCatalogue:
    """A catalogue from ``(id, category, traits)``, categories in core-first order."""
    categories = dict.fromkeys((*CORE_CATEGORIES, *(c for _, c, _ in tips)))
    return TipCatalogue.model_validate(
        {
            "kind": "tips",
            "quiz": "q",
            "categories": {c: {"ru": c, "en": c} for c in categories},
            "tips": [
                {
                    "id": tip_id,
                    "category": category,
                    "traits": list(traits),
                    "title": {"ru": "т", "en": "t"},
                    "text": {"ru": "т", "en": "t"},
                }
                for tip_id, category, traits in tips
            ],
        }
    )


SMALL = catalogue_of(
    ("i_team", "initiative", ("teamwork",)),
    ("i_org", "initiative", ("organisation",)),
    ("p_org", "planning", ("organisation",)),
    ("p_stress", "planning", ("stress",)),
    ("s_learn", "self_development", ("learning",)),
    ("s_tech", "self_development", ("technical", "learning")),
    ("e_emp", "empathy", ("empathy",)),
    ("t_tech", "technical", ("technical",)),
    ("t_tech2", "technical", ("technical",)),
)
SCORES: dict[str, int | None] = {
    "empathy": 40,
    "technical": 10,
    "organisation": 55,
    "teamwork": 90,
    "stress": 35,
    "learning": 70,
}


# --- trait ranks ----------------------------------------------------------------------------


def test_trait_ranks_growth_areas_then_scores_then_unmeasured_then_the_rest() -> None:
    ranks = trait_ranks(
        ["stress", "empathy"],
        {"empathy": 40, "learning": 70, "teamwork": None, "tech": 20, "org": 70, "stress": 35},
        ["zeta", "tech", "alpha"],
    )
    assert sorted(ranks, key=ranks.__getitem__) == [
        "stress",
        "empathy",
        "tech",  # lowest other score
        "learning",  # 70, before org (70) by the order of scores
        "org",
        "teamwork",  # not measured
        "zeta",  # only in the catalogue, its order
        "alpha",
    ]


def test_trait_ranks_without_a_profile_keep_the_catalogue_order() -> None:
    assert trait_ranks([], {}, ["b", "a"]) == {"b": 0, "a": 1}


# --- examples -------------------------------------------------------------------------------


def test_opening_covers_the_core_categories_weakest_first() -> None:
    plan = order_tips(SMALL, ["technical", "stress", "empathy"], SCORES)
    # technical is weakest: s_tech serves it, so self-development opens; stress next:
    # planning; then the best initiative tip (organisation 55 beats teamwork 90).
    assert plan[:3] == ["s_tech", "p_stress", "i_org"]
    # then by relevance: technical (file order), empathy, organisation, learning, teamwork
    assert plan[3:] == ["t_tech", "t_tech2", "e_emp", "p_org", "s_learn", "i_team"]


def test_without_growth_areas_the_scores_decide() -> None:
    plan = order_tips(SMALL, [], SCORES)
    assert plan[:3] == ["s_tech", "p_stress", "i_org"]
    assert plan[3:5] == ["t_tech", "t_tech2"]


def test_growth_areas_beat_lower_scores() -> None:
    plan = order_tips(SMALL, ["teamwork"], SCORES)
    assert plan[0] == "i_team"


def test_already_sent_tips_are_left_out_and_the_opening_adapts() -> None:
    plan = order_tips(SMALL, ["technical"], SCORES, already_sent={"s_tech", "s_learn", "t_tech"})
    assert "s_tech" not in plan
    assert "t_tech" not in plan
    # no self-development tip is left: the opening covers the two remaining core categories
    # and its first pick is free: the most relevant tip (technical).
    assert plan[:3] == ["t_tech2", "p_stress", "i_org"]
    assert len(plan) == len(SMALL) - 3


def test_unknown_ids_in_already_sent_are_ignored() -> None:
    assert order_tips(SMALL, [], SCORES, already_sent=["gone"]) == order_tips(SMALL, [], SCORES)


def test_everything_sent_gives_an_empty_plan() -> None:
    assert order_tips(SMALL, [], SCORES, already_sent=SMALL.ids) == []


def test_a_wider_opening_lets_the_weakest_trait_come_first() -> None:
    plan = order_tips(SMALL, ["empathy"], SCORES, opening=4)
    assert plan[0] == "e_emp"
    assert {SMALL.by_id[i].category for i in plan[:4]} >= set(CORE_CATEGORIES)


def test_no_opening_is_pure_relevance() -> None:
    plan = order_tips(SMALL, ["empathy"], SCORES, opening=0)
    assert plan[:4] == ["e_emp", "s_tech", "t_tech", "t_tech2"]


def test_shipped_catalogue_plan_for_a_weak_technical_student() -> None:
    catalogue = load_tips(ROOT / "quizzes" / "tips.yaml")
    scores: dict[str, int | None] = {
        "patience": 70,
        "empathy": 80,
        "communication": 60,
        "technical": 20,
        "organisation": 50,
        "teamwork": 90,
        "stress": 30,
        "problem_solving": 55,
        "learning": 65,
    }
    plan = order_tips(catalogue, ["technical", "stress", "organisation"], scores)
    assert sorted(plan) == sorted(catalogue.ids)
    opening = [catalogue.by_id[i] for i in plan[:3]]
    assert {tip.category for tip in opening} == set(CORE_CATEGORIES)
    assert opening[0].serves("technical")
    assert opening[1].serves("stress")
    # right after the opening: the rest of the technical tips
    following = [catalogue.by_id[i] for i in plan[3:8]]
    assert all(tip.serves("technical") for tip in following)


# --- properties -----------------------------------------------------------------------------

TRAIT_POOL = ("a", "b", "c", "d", "e", "f")
CATEGORY_POOL = (*CORE_CATEGORIES, "x", "y")


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(min_value=1, max_value=14))
    tips = []
    for number in range(size):
        category = draw(st.sampled_from(CATEGORY_POOL))
        traits = draw(st.lists(st.sampled_from(TRAIT_POOL), min_size=1, max_size=3, unique=True))
        tips.append((f"t{number}", category, tuple(traits)))
    catalogue = catalogue_of(*tips)
    measured = draw(st.lists(st.sampled_from(TRAIT_POOL), unique=True))
    scores = {t: draw(st.one_of(st.none(), st.integers(0, 100))) for t in measured}
    growth = draw(st.lists(st.sampled_from(TRAIT_POOL), unique=True, max_size=3))
    sent = draw(st.sets(st.sampled_from([t[0] for t in tips])))
    opening = draw(st.integers(min_value=0, max_value=5))
    return {
        "catalogue": catalogue,
        "growth": growth,
        "scores": scores,
        "sent": sent,
        "opening": opening,
    }


def relevance_of(case: dict[str, Any]) -> dict[str, tuple[int, int]]:
    catalogue: TipCatalogue = case["catalogue"]
    ranks = trait_ranks(case["growth"], case["scores"], catalogue.trait_ids)
    return {
        tip.id: (min(ranks[t] for t in tip.traits), position)
        for position, tip in enumerate(catalogue.tips)
    }


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_plan_is_every_unsent_tip_once(case: dict[str, Any]) -> None:
    catalogue: TipCatalogue = case["catalogue"]
    plan = order_tips(
        catalogue, case["growth"], case["scores"], case["sent"], opening=case["opening"]
    )
    assert len(plan) == len(set(plan))
    assert set(plan) == set(catalogue.ids) - case["sent"]


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_opening_covers_every_core_category_left(case: dict[str, Any]) -> None:
    catalogue: TipCatalogue = case["catalogue"]
    opening: int = case["opening"]
    plan = order_tips(catalogue, case["growth"], case["scores"], case["sent"], opening=opening)
    available = {catalogue.by_id[i].category for i in plan} & set(CORE_CATEGORIES)
    head = [catalogue.by_id[i].category for i in plan[:opening]]
    if len(available) <= opening:
        assert available <= set(head)
    else:  # a narrow opening: every pick is a core tip of a new category
        assert len(set(head)) == len(head) == opening
        assert set(head) <= available


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_after_the_opening_tips_follow_relevance(case: dict[str, Any]) -> None:
    catalogue: TipCatalogue = case["catalogue"]
    plan = order_tips(
        catalogue, case["growth"], case["scores"], case["sent"], opening=case["opening"]
    )
    relevance = relevance_of(case)
    rest = plan[case["opening"] :]
    assert rest == sorted(rest, key=relevance.__getitem__)
    if case["opening"] == 0:
        assert plan == sorted(plan, key=relevance.__getitem__)


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_the_first_tip_is_the_most_relevant_allowed(case: dict[str, Any]) -> None:
    catalogue: TipCatalogue = case["catalogue"]
    opening: int = case["opening"]
    plan = order_tips(catalogue, case["growth"], case["scores"], case["sent"], opening=opening)
    if not plan:
        return
    relevance = relevance_of(case)
    core = [i for i in plan if catalogue.by_id[i].category in CORE_CATEGORIES]
    uncovered = {catalogue.by_id[i].category for i in core}
    forced = 0 < opening <= len(uncovered)
    candidates = core if forced else plan
    assert plan[0] == min(candidates, key=relevance.__getitem__)


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_plan_is_deterministic(case: dict[str, Any]) -> None:
    args = (case["catalogue"], case["growth"], case["scores"])
    first = order_tips(*args, case["sent"], opening=case["opening"])
    again = order_tips(*args, sorted(case["sent"]), opening=case["opening"])
    assert first == again


@pytest.mark.parametrize("weak", ["a", "b", "c"])
def test_growth_area_tips_come_right_after_the_opening(weak: str) -> None:
    catalogue = catalogue_of(
        ("i1", "initiative", ("z",)),
        ("p1", "planning", ("z",)),
        ("s1", "self_development", ("z",)),
        ("x_a", "x", ("a",)),
        ("x_b", "x", ("b",)),
        ("x_c", "x", ("c",)),
    )
    plan = order_tips(catalogue, [weak], {"a": 50, "b": 50, "c": 50, "z": 90})
    assert plan[:3] == ["i1", "p1", "s1"]
    assert plan[3] == f"x_{weak}"

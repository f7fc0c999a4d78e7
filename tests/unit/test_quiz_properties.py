"""Property tests: random students through every quiz in quizzes/, and random quiz graphs
against a brute-force count of their paths."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import content_files
from bot.kinds import KINDS, content_folder
from bot.quiz import QuestionNode, Quiz, QuizRun
from bot.quiz.graph import QuizGraph
from bot.quiz.models import ResultNode
from bot.quiz.scoring import Tally, scores_of

REPORTS = KINDS.check_files([(path, path.name) for path in content_files(content_folder(None))])
QUIZZES: dict[str, Quiz] = {r.name: r.value for r in REPORTS if isinstance(r.value, Quiz)}


def test_there_is_something_to_test() -> None:
    assert "support_role.yaml" in QUIZZES


@pytest.mark.parametrize("name", sorted(QUIZZES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_walk_ends_at_a_result_within_the_bounds(name: str, data: st.DataObject) -> None:
    quiz = QUIZZES[name]
    shortest, longest = QuizGraph(quiz).bounds[quiz.start]
    run = QuizRun.start(quiz)
    previous_total = run.progress.total
    steps = 0
    while not run.finished:
        steps += 1
        assert steps <= 4 * len(quiz.nodes), "the walk does not end"
        node = run.current
        if isinstance(node, QuestionNode):
            option = data.draw(st.sampled_from(node.options), label=node.id)
            run = run.answer(option.id)
        else:
            run = run.proceed()
        number, total = run.progress
        assert 0 <= number <= total <= previous_total
        assert total <= longest
        previous_total = total
        for value in [*run.scores.traits.values(), run.scores.overall]:
            assert value is None or 0 <= value <= 100

    assert shortest <= run.questions_answered <= longest
    assert run.progress == (run.questions_answered, run.questions_answered)

    profile = run.profile()
    measured = [s for s in profile.scores.values() if s is not None]
    assert all(0 <= s <= 100 for s in measured)
    if quiz.min_questions_per_trait >= 1:
        assert len(measured) == len(quiz.traits)  # the checker promised coverage
    assert profile.overall is not None
    assert min(measured) <= profile.overall <= max(measured) or any(
        t.weight == 0 for t in quiz.traits
    )
    assert profile.band in quiz.outcomes.bands
    assert profile.recommended in quiz.outcomes.specialisations
    assert all(0 <= f.fit <= 100 for f in profile.fits)
    assert not set(profile.strengths) & set(profile.growth_areas)
    assert all(profile.scores[t] is not None for t in profile.strengths + profile.growth_areas)

    rows = [(a.node_id, a.option_id) for a in run.answers]
    assert QuizRun.replay(quiz, rows) == run
    back = run.back()
    assert not back.finished
    assert back.answer(run.answers[-1].option_id) == run


@given(
    earned=st.lists(st.integers(0, 50), min_size=3, max_size=3),
    extra=st.lists(st.integers(0, 50), min_size=3, max_size=3),
)
def test_scores_stay_in_range(earned: list[int], extra: list[int]) -> None:
    quiz = QUIZZES["support_role.yaml"]
    achievable = [e + x for e, x in zip(earned, extra, strict=True)]
    padding = len(quiz.traits) - 3
    tally = Tally(
        quiz.trait_ids,
        (*earned, *([0] * padding)),
        (*achievable, *([0] * padding)),
    )
    scores = scores_of(quiz, tally)
    for trait, e, a in zip(quiz.trait_ids, tally.earned, tally.achievable, strict=True):
        value = scores.traits[trait]
        assert (value is None) == (a == 0)
        if value is not None:
            assert 0 <= value <= 100
            assert value == (200 * e + a) // (2 * a)  # half up, in integers
    measured = [v for v in scores.traits.values() if v is not None]
    if measured:
        assert scores.overall is not None
        assert min(measured) <= scores.overall <= max(measured)
    else:
        assert scores.overall is None


# --- random graphs against brute force ----------------------------------------------------


def text(value: str) -> dict[str, str]:
    return {"ru": value, "en": value}


@st.composite
def random_quizzes(draw: st.DrawFn) -> dict[str, Any]:
    """Questions n0..nk with random links (loops and dead ends allowed) and two results."""
    size = draw(st.integers(1, 7))
    names = [f"n{i}" for i in range(size)]
    targets = st.sampled_from([*names, "r0", "r1"])
    nodes: list[dict[str, Any]] = []
    for name in names:
        options = [
            {"id": option_id, "text": text(option_id), "points": {"t": draw(st.integers(0, 2))}}
            for option_id in ("a", "b")
        ]
        for option in options:
            if draw(st.booleans()):
                option["next"] = draw(targets)
        node: dict[str, Any] = {"id": name, "kind": "question", "text": text(name)}
        node["options"] = options
        if draw(st.booleans()):
            node["rules"] = [{"when": {"score": "t", "below": 50}, "next": draw(targets)}]
        if draw(st.integers(0, 4)) > 0:
            node["next"] = draw(targets)
        nodes.append(node)
    nodes += [{"id": r, "kind": "result", "text": text(r)} for r in ("r0", "r1")]
    return {
        "kind": "quiz",
        "id": "random",
        "version": 1,
        "title": text("t"),
        "intro": text("i"),
        "start": "n0",
        "min_questions_per_trait": 0,
        "traits": [{"id": "t", "name": text("t"), "description": text("t")}],
        "nodes": nodes,
        "outcomes": {
            "bands": [{"id": "all", "title": text("a"), "text": text("a")}],
            "specialisations": [
                {
                    "id": "s",
                    "name": text("s"),
                    "description": text("s"),
                    "weights": {"t": 1},
                    "why": text("w"),
                    "learn": text("l"),
                }
            ],
        },
    }


def brute_force(quiz: Quiz) -> tuple[bool, list[int]]:
    """Follow every possible step from the start: (a loop exists, question counts of paths)."""

    def steps(node_id: str) -> set[str]:
        node = quiz.node(node_id)
        if isinstance(node, ResultNode):
            return set()
        assert isinstance(node, QuestionNode)
        found: set[str] = set()
        for option in node.options:
            if option.next is not None:
                found.add(option.next)
            else:
                found.update(rule.next for rule in node.rules)
                if node.next is not None:
                    found.add(node.next)
        return found

    loop = False
    counts: list[int] = []
    stack: list[tuple[str, ...]] = [(quiz.start,)]
    while stack:
        path = stack.pop()
        here = path[-1]
        if isinstance(quiz.node(here), ResultNode):
            counts.append(len(path) - 1)
            continue
        for following in steps(here):
            if following in path:
                loop = True
            else:
                stack.append((*path, following))
    return loop, counts


@settings(max_examples=300, deadline=None)
@given(data=random_quizzes())
def test_path_analysis_matches_brute_force(data: dict[str, Any]) -> None:
    quiz = Quiz.model_validate(data)
    graph = QuizGraph(quiz)
    loop, counts = brute_force(quiz)
    assert graph.acyclic is not loop
    if loop:
        return
    bounds = graph.bounds.get(quiz.start)
    if not counts:
        assert bounds is None
    else:
        assert bounds == (min(counts), max(counts))


def test_the_brute_force_itself_sees_a_loop() -> None:
    data = {
        "kind": "quiz",
        "id": "loop",
        "version": 1,
        "title": text("t"),
        "intro": text("i"),
        "start": "n0",
        "traits": [{"id": "t", "name": text("t"), "description": text("t")}],
        "nodes": [
            {
                "id": "n0",
                "kind": "question",
                "text": text("n0"),
                "options": [
                    {"id": "a", "text": text("a"), "points": {"t": 1}, "next": "n0"},
                    {"id": "b", "text": text("b"), "next": "r0"},
                ],
            },
            {"id": "r0", "kind": "result", "text": text("r0")},
        ],
        "outcomes": {
            "bands": [{"id": "all", "title": text("a"), "text": text("a")}],
            "specialisations": [
                {
                    "id": "s",
                    "name": text("s"),
                    "description": text("s"),
                    "weights": {"t": 1},
                    "why": text("w"),
                    "learn": text("l"),
                }
            ],
        },
    }
    quiz = Quiz.model_validate(data)
    assert brute_force(quiz) == (True, [1])
    assert not QuizGraph(quiz).acyclic

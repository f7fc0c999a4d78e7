"""The shipped content: every file in quizzes/ passes the checker, and the support-role
quiz says what the seed documents say."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.content import content_files
from bot.kinds import KINDS, content_folder
from bot.quiz import QuestionNode, Quiz, QuizRun, ResultNode, load_quiz, load_quizzes
from bot.quiz.cli import run_graph
from bot.quiz.graph import QuizGraph, is_question
from tests.checking import QUIZ_TRAITS, run_check

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = ROOT / "quizzes"
SUPPORT = QUIZZES / "support_role.yaml"
SEED_TRAITS = set(QUIZ_TRAITS)


@pytest.fixture(scope="module")
def quiz() -> Quiz:
    return load_quiz(SUPPORT)


def test_default_folder_is_the_repository_quizzes() -> None:
    assert content_folder(None) == QUIZZES


@pytest.mark.parametrize("path", content_files(QUIZZES), ids=lambda p: p.name)
def test_every_content_file_passes_the_checker(path: Path) -> None:
    (report,) = KINDS.check_files([(path, path.name)])
    assert report.problems == []
    assert report.ok


def test_check_command_over_the_default_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    assert run_check([], out) == 0
    assert out.getvalue().splitlines() == [
        "quizzes/support_role.yaml: ok — 32 nodes, 27 questions, "
        "questions per path: shortest 24, longest 26; items per trait on a path: fewest 4 "
        "(endurance); one answer moves a trait by at most 40 (responsibility)",
        "quizzes/tips.yaml: ok — 48 tips (initiative 9, planning 9, self_development 9,"
        " empathy 3, patience 2, communication 3, stress 3, technical 3, problem_solving 2,"
        " organisation 3, teamwork 2)",
    ]


def test_graph_command_draws_the_shipped_quiz() -> None:
    out = io.StringIO()
    assert run_graph(SUPPORT, "mermaid", out, err=io.StringIO()) == 0
    assert '  t_explain -.->|"technical < 40"| c_feedback' in out.getvalue().splitlines()


def test_the_bot_can_load_the_folder() -> None:
    assert set(load_quizzes(QUIZZES)) == {"support_role"}


def test_traits_are_the_qualities_the_seeds_name(quiz: Quiz) -> None:
    assert set(quiz.trait_ids) == SEED_TRAITS


def test_every_path_has_twenty_four_to_twenty_six_questions(quiz: Quiz) -> None:
    shortest, longest = QuizGraph(quiz).bounds[quiz.start]
    assert (shortest, longest) == (24, 26)


@pytest.mark.parametrize("trait", sorted(SEED_TRAITS))
def test_every_trait_is_scored_four_times_on_every_path(quiz: Quiz, trait: str) -> None:
    graph = QuizGraph(quiz)

    def scores(node: object) -> bool:
        return isinstance(node, QuestionNode) and trait in node.scored_traits()

    fewest = graph.count_to_result(scores)[quiz.start]
    assert fewest.count >= 4, fewest.path


def test_three_specialisations_from_the_seeds(quiz: Quiz) -> None:
    specs = {s.id: s for s in quiz.outcomes.specialisations}
    assert list(specs) == ["tech_support", "software_support", "product_comms"]
    assert max(specs["tech_support"].weights, key=specs["tech_support"].weights.__getitem__) in (
        "technical",
        "problem_solving",
    )
    comms = specs["product_comms"].weights
    assert {"communication", "empathy", "patience"} <= set(comms)
    assert "technical" not in comms


def test_a_branch_by_interest_and_a_branch_by_scores(quiz: Quiz) -> None:
    track = quiz.node("q_track")
    assert isinstance(track, QuestionNode)
    assert {o.interest for o in track.options} == {
        "tech_support",
        "software_support",
        "product_comms",
    }
    assert len({o.next for o in track.options}) == 2
    ruled = [n.id for n in quiz.nodes if not isinstance(n, ResultNode) and n.rules]
    assert ruled == ["t_explain"]


def test_score_branch_sends_a_weak_technical_student_to_the_communication_track(
    quiz: Quiz,
) -> None:
    run = QuizRun.start(quiz)
    visited = []
    while not run.finished:
        node = run.current
        visited.append(node.id)
        if isinstance(node, QuestionNode):
            option = "tech" if node.id == "q_track" else worst(node)
            run = run.answer(option)
        else:
            run = run.proceed()
    assert visited.index("t_explain") < visited.index("c_feedback") < visited.index("c_login")
    assert "c_explain" not in visited
    assert run.questions_answered == 26


def worst(node: QuestionNode) -> str:
    return min(node.options, key=lambda o: sum(o.points.values())).id


def best(node: QuestionNode) -> str:
    return max(node.options, key=lambda o: sum(o.points.values())).id


@pytest.mark.parametrize(
    ("track", "pick", "band"),
    [("tech", best, "good"), ("comm", best, "good"), ("comm", worst, "unlikely")],
)
def test_extreme_students_get_the_expected_band(
    quiz: Quiz, track: str, pick: object, band: str
) -> None:
    run = QuizRun.start(quiz)
    while not run.finished:
        node = run.current
        if isinstance(node, QuestionNode):
            run = run.answer(track if node.id == "q_track" else pick(node))  # type: ignore[operator]
        else:
            run = run.proceed()
    assert run.profile().band_id == band


def test_info_nodes_carry_the_facts_of_the_seeds(quiz: Quiz) -> None:
    info = {n.id: n.text.get("ru") for n in quiz.nodes if n.kind == "info"}
    assert set(info) == {"welcome", "i_specs", "i_pros", "i_schedule"}
    assert "2–3 недели" in info["welcome"]
    for name in ("Техподдержка", "Сопровождение ПО", "Продуктовая коммуникация"):
        assert name in info["i_specs"]
    assert "Плюсы" in info["i_pros"]
    assert "Минусы" in info["i_pros"]
    assert "удалённую работу" in info["i_schedule"]


def test_result_gives_pay_career_and_what_to_learn(quiz: Quiz) -> None:
    result = quiz.node("result")
    assert isinstance(result, ResultNode)
    assert result.pay is not None
    assert result.career is not None
    pay_ru, pay_en = result.pay.get("ru"), result.pay.get("en")
    assert "по России 25 000–100 000 ₽, в Москве 30 000–100 000 ₽" in pay_ru
    assert "май 2025" in pay_ru
    assert "Сумма зависит" in pay_ru
    assert "25,000 to 100,000 ₽ a month across Russia, in Moscow 30,000 to 100,000 ₽" in pay_en
    assert "May 2025" in pay_en
    career = result.career.get("ru")
    # The seeds name the head of support as the way up, not a ladder through team lead.
    assert "руководителя службы поддержки" in career
    assert "тимлид" not in career
    assert "team lead" not in result.career.get("en")
    assert "Что изучать дальше" in result.text.get("ru")
    for spec in quiz.outcomes.specialisations:
        assert spec.learn.get("ru")
        assert spec.learn.get("en")


def test_situational_questions_explain_themselves(quiz: Quiz) -> None:
    explained = [
        n.id for n in quiz.nodes if isinstance(n, QuestionNode) and n.explanation is not None
    ]
    assert len(explained) >= 8
    for node_id in ("q_angry", "t_explain", "q_queue", "q_colleague", "q_newtool", "q_unfair"):
        assert node_id in explained


def test_texts_are_plain_in_both_locales(quiz: Quiz) -> None:
    raw = SUPPORT.read_text(encoding="utf-8")
    assert not re.search(r"<[a-zA-Z/]", raw)
    for node in quiz.nodes:
        assert node.text.get("ru") != node.text.get("en")


def test_question_counts_are_reported_per_node(quiz: Quiz) -> None:
    graph = QuizGraph(quiz)
    questions = [n for n in quiz.nodes if is_question(n)]
    assert len(questions) == 27
    assert graph.bounds["result"] == (0, 0)
    assert graph.bounds["q_growth"] == (1, 1)


# Past-tense verbs and short adjectives in the first person carry a gender in Russian
# ("устал", "спокоен"); options a student picks about themselves must not. A heuristic:
# such a word first in an option or right after "я".
_GENDERED_SELF = re.compile(r"(?:^|[.!?:—]\s*|\b(?:я|как)\s+)([А-ЯЁа-яё]{3,}(?:л|лся|ен|ан|ян))\b")
_NEUTRAL = frozenset({"план", "клиент"})


def test_first_person_options_are_gender_neutral() -> None:
    quiz = load_quiz(ROOT / "quizzes" / "support_role.yaml")
    found = []
    for node in quiz.nodes:
        for option in getattr(node, "options", ()):
            text = option.text.get("ru")
            for word in _GENDERED_SELF.findall(text):
                if word.lower() not in _NEUTRAL:
                    found.append(f"{node.id}/{option.id}: {word} in «{text}»")
    assert not found, "\n".join(found)

"""Taking a quiz: the immutable run, its errors, back, replay and progress."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.quiz import (
    CONTINUE,
    Answer,
    NotAnInfoNode,
    NotAQuestion,
    NotCurrentNode,
    NothingToUndo,
    Progress,
    Quiz,
    QuizFinished,
    QuizNotFinished,
    QuizRun,
    ReplayError,
    UnknownOption,
    load_quiz,
)

ENGINE = """\
kind: quiz
id: engine
version: 3
title: {ru: Тест, en: Test}
intro: {ru: Тест, en: Test}
start: hello
traits:
  - id: calm
    name: {ru: Спокойствие, en: Calm}
    description: {ru: Спокойствие, en: Calm}
  - id: tech
    name: {ru: Техника, en: Tech}
    description: {ru: Техника, en: Tech}
nodes:
  - id: hello
    kind: info
    text: {ru: Привет, en: Hello}
    next: q1
  - id: q1
    kind: question
    text: {ru: Вопрос 1, en: Question 1}
    explanation: {ru: Общее пояснение, en: Common explanation}
    options:
      - id: a
        text: {ru: А, en: A}
        points: {calm: 3}
      - id: b
        text: {ru: Б, en: B}
        points: {tech: 3}
        interest: beta
        explanation: {ru: Своё пояснение, en: Own explanation}
      - id: c
        text: {ru: В, en: C}
        points: {calm: 1, tech: 1}
        next: q3
    next: q2
  - id: q2
    kind: question
    text: {ru: Вопрос 2, en: Question 2}
    options:
      - id: a
        text: {ru: А, en: A}
        points: {calm: 2, tech: 2}
      - id: b
        text: {ru: Б, en: B}
        points: {calm: 0, tech: 0}
    rules:
      - when: {score: tech, below: 50}
        next: tip
    next: q3
  - id: tip
    kind: info
    text: {ru: Совет, en: Tip}
    next: q3
  - id: q3
    kind: question
    text: {ru: Вопрос 3, en: Question 3}
    options:
      - id: a
        text: {ru: А, en: A}
        points: {calm: 1}
      - id: b
        text: {ru: Б, en: B}
        points: {tech: 1}
    next: end
  - id: end
    kind: result
    text: {ru: Конец, en: The end}
outcomes:
  bands:
    - id: high
      when: {score: overall, at_least: 60}
      title: {ru: Высокий, en: High}
      text: {ru: Высокий, en: High}
    - id: low
      title: {ru: Низкий, en: Low}
      text: {ru: Низкий, en: Low}
  specialisations:
    - id: alpha
      name: {ru: Альфа, en: Alpha}
      description: {ru: Альфа, en: Alpha}
      weights: {calm: 1}
      why: {ru: Альфа, en: Alpha}
      learn: {ru: Альфа, en: Alpha}
    - id: beta
      name: {ru: Бета, en: Beta}
      description: {ru: Бета, en: Beta}
      weights: {tech: 1}
      why: {ru: Бета, en: Beta}
      learn: {ru: Бета, en: Beta}
  interest_bonus: 10
  strengths: {count: 1, min_score: 60}
  growth_areas: {count: 1}
"""


@pytest.fixture(scope="module")
def quiz(tmp_path_factory: pytest.TempPathFactory) -> Quiz:
    path = tmp_path_factory.mktemp("engine") / "engine.yaml"
    path.write_text(ENGINE, encoding="utf-8")
    return load_quiz(path)


def walk(quiz: Quiz, *choices: str) -> QuizRun:
    """Start and answer each question with the next choice, passing info nodes."""
    run = QuizRun.start(quiz)
    pending = list(choices)
    while not run.finished and (pending or run.current.kind == "info"):
        run = run.proceed() if run.current.kind == "info" else run.answer(pending.pop(0))
    assert not pending
    return run


def test_start(quiz: Quiz) -> None:
    run = QuizRun.start(quiz)
    assert run.current.id == "hello"
    assert run.answers == ()
    assert not run.finished
    assert not run.can_go_back
    assert run.progress == Progress(0, 3)


def test_proceed_records_continue(quiz: Quiz) -> None:
    run = QuizRun.start(quiz).proceed()
    assert run.current.id == "q1"
    assert run.answers == (Answer("hello", CONTINUE),)
    assert run.progress == Progress(1, 3)


def test_runs_are_immutable(quiz: Quiz) -> None:
    first = QuizRun.start(quiz).proceed()
    second = first.answer("a")
    assert first.current.id == "q1"
    assert first.answers == (("hello", "continue"),)
    assert second.current.id == "q2"
    assert second.answers == (("hello", "continue"), ("q1", "a"))


def test_default_next_option_next_and_rules(quiz: Quiz) -> None:
    # a: calm only, tech 0 of 3 so far; q2 a gives tech 2 of 5 = 40% < 50 -> tip
    assert [a.node_id for a in walk(quiz, "a", "a", "a").answers] == [
        "hello",
        "q1",
        "q2",
        "tip",
        "q3",
    ]
    # b: tech 3 of 3, then 5 of 5 -> 100% -> the default next
    assert [a.node_id for a in walk(quiz, "b", "a", "a").answers] == ["hello", "q1", "q2", "q3"]
    # c has its own next
    assert [a.node_id for a in walk(quiz, "c", "b").answers] == ["hello", "q1", "q3"]


def test_answer_errors(quiz: Quiz) -> None:
    start = QuizRun.start(quiz)
    with pytest.raises(NotAQuestion, match="'hello' is 'info'"):
        start.answer("a")
    at_q1 = start.proceed()
    with pytest.raises(NotAnInfoNode, match="'q1' is 'question'"):
        at_q1.proceed()
    with pytest.raises(UnknownOption) as caught:
        at_q1.answer("z")
    assert (caught.value.node_id, caught.value.option_id) == ("q1", "z")
    done = walk(quiz, "c", "a")
    with pytest.raises(QuizFinished):
        done.answer("a")
    with pytest.raises(QuizFinished):
        done.proceed()
    with pytest.raises(QuizNotFinished):
        at_q1.profile()


def test_apply_checks_the_node(quiz: Quiz) -> None:
    run = QuizRun.start(quiz).proceed()
    assert run.apply(("q1", "b")).current.id == "q2"
    with pytest.raises(NotCurrentNode) as caught:
        run.apply(("q2", "a"))  # a stale or forged button
    assert (caught.value.expected, caught.value.got) == ("q1", "q2")
    with pytest.raises(UnknownOption):
        QuizRun.start(quiz).apply(("hello", "a"))


def test_replay_rebuilds_the_same_run(quiz: Quiz) -> None:
    run = walk(quiz, "a", "a", "b")
    again = QuizRun.replay(quiz, [(a.node_id, a.option_id) for a in run.answers])
    assert again == run
    assert again.finished
    assert again.profile() == run.profile()


def test_replay_reports_answers_that_no_longer_fit(quiz: Quiz) -> None:
    with pytest.raises(ReplayError) as caught:
        QuizRun.replay(quiz, [("hello", "continue"), ("q1", "a"), ("q2", "x")])
    assert (caught.value.position, caught.value.node_id, caught.value.option_id) == (2, "q2", "x")
    assert "answer #3" in str(caught.value)
    with pytest.raises(ReplayError, match="current node is 'q2', not 'q3'"):
        QuizRun.replay(quiz, [("hello", "continue"), ("q1", "a"), ("q3", "a")])
    finished = [(a.node_id, a.option_id) for a in walk(quiz, "c", "a").answers]
    with pytest.raises(ReplayError) as caught:
        QuizRun.replay(quiz, [*finished, ("end", "continue")])
    assert caught.value.position == 3
    assert isinstance(caught.value.__cause__, QuizFinished)


def test_back_returns_to_the_last_question_and_undoes_info(quiz: Quiz) -> None:
    at_q3 = walk(quiz, "a", "a")  # passed the tip info node after q2
    assert at_q3.current.id == "q3"
    back = at_q3.back()
    assert back.current.id == "q2"
    assert back.answers == (("hello", "continue"), ("q1", "a"))
    assert back == walk(quiz, "a")
    assert back.back() == QuizRun.start(quiz).proceed()
    with pytest.raises(NothingToUndo):
        back.back().back()


def test_back_from_the_result(quiz: Quiz) -> None:
    done = walk(quiz, "c", "b")
    assert done.back().current.id == "q3"
    assert done.back().answer("b") == done


def test_interest_is_the_last_one_given(quiz: Quiz) -> None:
    assert walk(quiz, "b").interest == "beta"
    assert walk(quiz, "a").interest is None


def test_progress_follows_the_branch(quiz: Quiz) -> None:
    run = QuizRun.start(quiz)
    seen = [run.progress]
    for step in ("continue", "c", "a"):
        run = run.proceed() if step == "continue" else run.answer(step)
        seen.append(run.progress)
    # c skips q2: the estimate drops from 3 to 2; at the result it is exact
    assert seen == [Progress(0, 3), Progress(1, 3), Progress(2, 2), Progress(2, 2)]
    assert run.remaining == (0, 0)


def test_explanations(quiz: Quiz) -> None:
    q1 = quiz.node("q1")
    assert q1.kind == "question"
    assert q1.explanation_for("a") is not None
    assert q1.explanation_for("a").get("en") == "Common explanation"  # type: ignore[union-attr]
    assert q1.explanation_for("b").get("ru") == "Своё пояснение"  # type: ignore[union-attr]


def test_profile(quiz: Quiz) -> None:
    profile = walk(quiz, "b", "a", "a").profile()
    # calm: 0 + 2 + 1 of 3 + 2 + 1 = 50; tech: 3 + 2 + 0 of 3 + 2 + 1 = 5/6 = 83
    assert profile.scores == {"calm": 50, "tech": 83}
    assert profile.overall == 67  # (50 + 83.33) / 2 = 66.67
    assert profile.band_id == "high"
    assert profile.strengths == ("tech",)
    assert profile.growth_areas == ("calm",)
    assert [(f.specialisation_id, f.fit, f.interest) for f in profile.fits] == [
        ("alpha", 50, False),
        ("beta", 83, True),
    ]
    assert profile.recommended_id == "beta"
    assert (profile.quiz_id, profile.quiz_version) == ("engine", 3)


def test_unknown_node_lookup(quiz: Quiz) -> None:
    with pytest.raises(KeyError, match="no node 'nope'"):
        quiz.node("nope")


def test_shipped_quiz_replays_from_stored_rows() -> None:
    quiz = load_quiz(Path(__file__).resolve().parents[2] / "quizzes" / "support_role.yaml")
    run = QuizRun.start(quiz)
    while not run.finished:
        node = run.current
        run = run.answer(node.options[0].id) if node.kind == "question" else run.proceed()
    rows = [(a.node_id, a.option_id) for a in run.answers]
    assert QuizRun.replay(quiz, rows) == run


def test_an_option_next_wins_over_the_rules(tmp_path: Path) -> None:
    old = "        points: {calm: 2, tech: 2}\n"
    assert ENGINE.count(old) == 1
    path = tmp_path / "own_next.yaml"
    path.write_text(ENGINE.replace(old, old + "        next: end\n"), encoding="utf-8")
    quiz = load_quiz(path)
    run = walk(quiz, "a", "a")  # tech is 40% after q2: the rule would send the student to tip
    assert run.finished
    assert [a.node_id for a in run.answers] == ["hello", "q1", "q2"]
    # option b has no next of its own: the rule applies (walk passes the tip to q3)
    assert [a.node_id for a in walk(quiz, "a", "b").answers] == ["hello", "q1", "q2", "tip"]


def test_the_engine_is_plain_python() -> None:
    code = (
        "import sys, bot.quiz, bot.quiz.cli; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'aiogram', 'asyncio', 'sqlite3', 'aiosqlite', 'bot.db'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"

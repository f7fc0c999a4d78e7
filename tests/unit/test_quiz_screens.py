"""Result texts built from a stored profile (pure: no bot, no event loop)."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import build_i18n
from bot.quiz import load_quiz
from bot.quiz.snapshot import StoredProfile
from handlers.quiz.screens import (
    bar,
    change_text,
    learn_text,
    pay_text,
    result_text,
    review_text,
)

QUIZ = load_quiz(Path(__file__).resolve().parents[2] / "quizzes" / "support_role.yaml")


@pytest.fixture(autouse=True)
def russian() -> Iterator[None]:
    i18n = build_i18n("ru")
    with i18n.context(), i18n.use_locale("ru"):
        yield


def profile(**changes: object) -> StoredProfile:
    base = StoredProfile(
        quiz_id=QUIZ.id,
        quiz_version=QUIZ.version,
        scores={t.id: 60 for t in QUIZ.traits},
        overall=60,
        strengths=("patience",),
        growth_areas=("technical",),
        band="good",
        fits={"tech_support": 60, "software_support": 70, "product_comms": 50},
        recommended="tech_support",
        interest="tech_support",
    )
    data = base.to_dict()
    data.update(changes)
    return StoredProfile.from_dict(data)


def test_interest_note_when_interest_beats_a_better_fit() -> None:
    text = result_text(QUIZ, profile(), "ru")
    assert "Вы чаще выбирали задачи этого направления" in text
    assert "Сопровождение ПО (саппорт) подходит чуть лучше (70%)" in text


def test_the_why_comes_from_the_students_own_scores() -> None:
    scores = {t.id: 30 for t in QUIZ.traits} | {"technical": 78, "problem_solving": 70}
    text = result_text(QUIZ, profile(scores=scores, fits={"tech_support": 74}), "ru")
    assert "техническая грамотность — 78, решение проблем — 70" in text
    assert "Вы чаще выбирали" not in text
    assert "подходит уверенно" not in text


def test_a_weak_best_fit_says_it_is_only_the_closest() -> None:
    text = result_text(QUIZ, profile(fits={"tech_support": 40}), "ru")
    assert "Ни одно направление пока не подходит уверенно" in text


def test_a_flagged_result_says_it_may_be_inaccurate() -> None:
    text = result_text(QUIZ, profile(flags=["same_position", "too_fast"]), "ru")
    assert text.startswith("⚠️ <b>Результат может быть неточным</b>")
    assert "в одном и том же месте экрана" in text
    assert "спокойно" in text
    assert "неточным" not in result_text(QUIZ, profile(), "ru")


def test_no_growth_areas_when_nothing_is_weak() -> None:
    text = result_text(QUIZ, profile(growth_areas=[]), "ru")
    assert "Явных зон роста нет" in text


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_first_screen_fits_a_phone(locale: str) -> None:
    longest = profile(
        flags=["same_position", "too_fast", "contradictory"],
        strengths=["patience", "communication", "memory"],
        growth_areas=["organisation", "responsibility", "problem_solving"],
        band="possible",
        fits={"tech_support": 40, "software_support": 45, "product_comms": 30},
        recommended="software_support",
    )
    text = re.sub(r"<[^>]+>", "", result_text(QUIZ, longest, locale))
    assert len(text) <= 950, (len(text), text)


def test_change_against_the_previous_attempt() -> None:
    previous = profile(scores={t.id: 40 for t in QUIZ.traits}, overall=40)
    text = change_text(QUIZ, profile(), previous, "ru")
    assert "По сравнению с прошлым разом" in text
    assert "↑ Терпение: 40 → 60 (+20)" in text
    assert "В целом: 40 → 60" in text


def test_unknown_ids_from_an_older_quiz_do_not_break_the_text() -> None:
    text = result_text(QUIZ, profile(band="gone", recommended="gone"), "ru")
    assert "gone" in text


def test_pay_learn_and_review_sit_behind_buttons() -> None:
    assert "25 000–100 000 ₽" in pay_text(QUIZ, "ru")
    assert "25 000" not in result_text(QUIZ, profile(), "ru")
    assert "Устройство компьютеров" in learn_text(QUIZ, profile(), "ru")
    review = review_text(
        QUIZ, [("welcome", "continue"), ("s_routine", "y"), ("q_angry", "b")], "ru"
    )
    assert "Сразу попрошу дату и сумму платежа" in review
    assert "Все четыре пути" in review
    assert "Согласны ли вы" not in review  # statements have nothing to explain


def test_bar() -> None:
    assert bar(None) == "—"
    assert bar(0) == "▱" * 10 + " 0"
    assert bar(100) == "▰" * 10 + " 100"
    assert bar(55) == "▰" * 6 + "▱" * 4 + " 55"


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_every_screen_of_the_shipped_quiz_fits_one_message(locale: str) -> None:
    """Question + options, and question + answer + explanation, stay within 4096 chars."""
    from bot.domain import Attempt, AttemptStatus
    from bot.quiz import InfoNode, QuestionNode, QuizRun
    from bot.telegram import MESSAGE_LIMIT
    from handlers.quiz.screens import answered_text, node_screen

    now = datetime(2026, 1, 1, tzinfo=UTC)
    attempt = Attempt(
        1, 1, QUIZ.id, QUIZ.version, AttemptStatus.ACTIVE, "x", 0, None, False, now, now, None, None
    )
    checked = 0
    for node in QUIZ.nodes:
        if not isinstance(node, QuestionNode | InfoNode):
            continue
        run = QuizRun(QUIZ, node.id, (), QuizRun.start(QUIZ).tally)
        text, _markup = node_screen(run, attempt, locale)
        assert len(text) <= MESSAGE_LIMIT, node.id
        if isinstance(node, QuestionNode):
            for option in node.options:
                assert len(answered_text(node, option.id, locale)) <= MESSAGE_LIMIT
        checked += 1
    assert checked >= 15

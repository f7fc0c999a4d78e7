"""Result texts built from a stored profile (pure: no bot, no event loop)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import build_i18n
from bot.quiz import load_quiz
from bot.quiz.snapshot import StoredProfile
from handlers.quiz.screens import bar, result_text

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
    text = result_text(QUIZ, profile(), None, "ru")
    assert "Вы сами выбрали это направление" in text
    assert "совпадение 60%" in text


def test_no_interest_note_when_the_fit_is_best_anyway() -> None:
    text = result_text(QUIZ, profile(recommended="software_support", interest=None), None, "ru")
    assert "Вы сами выбрали" not in text


def test_change_against_the_previous_attempt() -> None:
    previous = profile(scores={t.id: 40 for t in QUIZ.traits}, overall=40)
    text = result_text(QUIZ, profile(), previous, "ru")
    assert "По сравнению с прошлым разом" in text
    assert "↑ Терпение: 40 → 60 (+20)" in text
    assert "В целом: 40 → 60" in text


def test_unknown_ids_from_an_older_quiz_do_not_break_the_text() -> None:
    text = result_text(QUIZ, profile(band="gone", recommended="gone"), None, "ru")
    assert "gone" in text
    assert "Ваш профиль" in text


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

"""What an operator types while composing: link buttons, a time, an audience press."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain import Audience
from bot.quiz import load_quiz
from handlers.staff.broadcasts import MAX_BUTTONS, changed_audience, parse_buttons, parse_when
from tests.support import make_settings

QUIZ = load_quiz(Path(__file__).resolve().parents[2] / "quizzes" / "support_role.yaml")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


def test_link_buttons_one_per_line() -> None:
    assert parse_buttons("Регистрация - https://example.org/fair\n\nSite — http://a.b") == [
        ("Регистрация", "https://example.org/fair"),
        ("Site", "http://a.b"),
    ]
    assert parse_buttons("Map | https://maps.example.org/?q=1&z=2") == [
        ("Map", "https://maps.example.org/?q=1&z=2")
    ]


@pytest.mark.parametrize(
    ("text", "bad_line"),
    [
        ("just text", 1),
        ("Site - ftp://example.org", 1),
        ("Ok - https://a.b\nno link here", 2),
        ("x" * 41 + " - https://a.b", 1),
        ("", 1),
        ("\n".join(f"B{n} - https://a.b/{n}" for n in range(MAX_BUTTONS + 1)), MAX_BUTTONS + 1),
    ],
)
def test_a_bad_line_is_named(text: str, bad_line: int) -> None:
    assert parse_buttons(text) == bad_line


def test_a_time_is_read_in_the_bots_zone_and_must_be_ahead(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, timezone="Europe/Moscow")
    at = parse_when("25.11.2026 18:30", settings, NOW)
    assert at is not None
    assert at.astimezone(UTC) == datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    assert parse_when("2026-11-25 18:30", settings, NOW) == at
    assert parse_when("25.11.2026 11:59", settings, NOW) is None  # already past
    assert parse_when("tomorrow", settings, NOW) is None
    assert parse_when("31.02.2026 10:00", settings, NOW) is None


def test_audience_presses_change_one_filter_and_forged_ones_change_nothing() -> None:
    start = Audience(centre_id=3)
    assert changed_audience(start, "finished=1", QUIZ) == Audience(centre_id=3, finished=True)
    assert changed_audience(start, "finished=0", QUIZ) == Audience(centre_id=3, finished=False)
    assert changed_audience(start, "centre_id=", QUIZ) == Audience()
    band = QUIZ.outcomes.bands[0].id
    assert changed_audience(start, f"band={band}", QUIZ) == Audience(centre_id=3, band=band)
    assert changed_audience(start, "active_days=30", QUIZ) == Audience(centre_id=3, active_days=30)
    assert changed_audience(start, "reset=", QUIZ) == Audience()
    for forged in ("band=nonsense", "language=de", "active_days=5", "owner=1", "centre_id=-1"):
        assert changed_audience(start, forged, QUIZ) is None

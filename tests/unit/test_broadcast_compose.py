"""What an operator types while composing: link buttons, a time, an audience press."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from aiogram.types import CallbackQuery

from bot.domain import Audience, Broadcast, BroadcastKind, BroadcastStatus, Role, User
from bot.quiz import load_quiz
from bot.services.staff import StaffService
from handlers.staff.broadcasts import (
    MAX_BUTTONS,
    OwnBroadcast,
    changed_audience,
    parse_buttons,
    parse_when,
)
from handlers.staff.callbacks import BcAction, BcCb
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


class Broadcasts:
    """The one thing the filter asks of the broadcast service."""

    def __init__(self, *known: Broadcast) -> None:
        self.known = {b.id: b for b in known}

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.known.get(broadcast_id)


class NoGrants:
    async def roles_of(self, user_id: int) -> list[tuple[Role, int | None]]:
        return []

    async def everyone(self) -> list[int]:
        return []


def broadcast(broadcast_id: int, status: BroadcastStatus, by: int) -> Broadcast:
    return Broadcast(
        id=broadcast_id,
        created_by=by,
        kind=BroadcastKind.TIP,
        source_chat_id=None,
        source_message_id=None,
        tip_id="t",
        buttons=(),
        audience=Audience(),
        status=status,
        scheduled_at=None,
        started_at=None,
        finished_at=None,
        total=0,
        progress_message_id=None,
        reported_at=None,
        created_at=NOW,
    )


async def test_who_may_touch_a_broadcast() -> None:
    admin, author, colleague = 1, 2, 3
    service = Broadcasts(
        broadcast(10, BroadcastStatus.DRAFT, author), broadcast(11, BroadcastStatus.SENDING, author)
    )
    staff = StaffService([admin], NoGrants())

    async def passes(flt: OwnBroadcast, user: int, broadcast_id: int) -> object:
        query = cast(CallbackQuery, None)  # the filter reads only what it is given below
        data = BcCb(action=BcAction.OPEN, id=broadcast_id)
        return await flt(query, data, user=_user(user), staff=staff, broadcasts=service)  # type: ignore[arg-type]

    draft, control, view = OwnBroadcast(draft=True), OwnBroadcast(), OwnBroadcast(view=True)
    assert await passes(draft, author, 10)
    for who in (colleague, admin):
        assert not await passes(draft, who, 10)  # a draft is its composer's alone
    assert not await passes(draft, author, 11)  # composing buttons die with the draft
    assert not await passes(control, author, 10)
    for who, may in ((author, True), (admin, True), (colleague, False)):
        assert bool(await passes(control, who, 11)) is may
    seen = await passes(view, colleague, 11)
    assert isinstance(seen, dict)
    assert seen["controls"] is False  # figures, but no Pause or Cancel
    assert not await passes(view, colleague, 10)
    assert not await passes(view, colleague, 99)


def _user(user_id: int) -> User:
    return User(user_id, "x", None, None, "ru", None, None, None, NOW, NOW, None)

"""Broadcasts on a real SQLite file: who an audience is, and a recipient's row from
pending to settled, through pause, cancel and a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import to_db
from bot.db import Database
from bot.db.broadcasts import BroadcastsRepo, Settled, audience_params
from bot.domain import Audience, BroadcastCounts, BroadcastKind, BroadcastStatus

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADMIN = 1


async def add_user(db: Database, user_id: int, **columns: Any) -> None:
    values = {
        "id": user_id,
        "first_name": "x",
        "created_at": to_db(T0),
        "last_seen_at": to_db(T0),
        **columns,
    }
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    await db.execute(f"INSERT INTO users ({names}) VALUES ({marks})", list(values.values()))
    await db.execute(
        "INSERT INTO consents (user_id, version, locale, agreed_at) VALUES (?, 'v1', 'ru', ?)",
        (user_id, to_db(T0)),
    )


async def finish(
    db: Database, user_id: int, band: str, recommended: str, flags: list[str] | None = None
) -> None:
    """A finished attempt; `flags` None: a profile of quiz version 1, which had none."""
    profile: dict[str, object] = {"band": band, "recommended": recommended}
    if flags is not None:
        profile["flags"] = flags
    await db.execute(
        "INSERT INTO attempts (user_id, quiz_id, quiz_version, status, current_node, started_at,"
        " updated_at, finished_at, profile) VALUES (?, 'q', 1, 'finished', 'r', ?, ?, ?, ?)",
        (user_id, to_db(T0), to_db(T0), to_db(T0), json.dumps(profile)),
    )


@pytest.fixture
async def people(db: Database) -> Database:
    await db.execute(
        "INSERT INTO centres (id, name, code, created_by, created_at)"
        " VALUES (1, 'c', 'code', 1, ?)",
        (to_db(T0),),
    )
    await add_user(db, ADMIN)
    await add_user(db, 10, centre_id=1, language_code="ru")
    await add_user(db, 11, centre_id=1, language_code="en")
    await add_user(
        db, 12, locale="en", language_code="ru", last_seen_at=to_db(T0 - timedelta(days=40))
    )
    await add_user(db, 13, blocked_at=to_db(T0))  # blocked the bot
    await add_user(db, 14, news_off_at=to_db(T0))  # said no to news
    await add_user(db, 15)  # a centre manager
    await add_user(db, 16)  # stored before the consent notice existed, never agreed
    await db.execute("DELETE FROM consents WHERE user_id = 16")
    await db.execute(
        "INSERT INTO staff (user_id, role, centre_id, granted_at) VALUES (15, 'manager', 1, ?)",
        (to_db(T0),),
    )
    await finish(db, 10, "high", "tech")
    await finish(db, 11, "low", "comm")
    await db.execute(
        "INSERT INTO tip_subscriptions (user_id, timezone, window_start, window_end,"
        " interval_seconds, created_at, updated_at) VALUES (11, 'UTC', 10, 20, 3600, ?, ?)",
        (to_db(T0), to_db(T0)),
    )
    return db


def params(audience: Audience) -> dict[str, Any]:
    return audience_params(audience, now=T0, default_locale="ru", staff={ADMIN})


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience(), 3),  # 10, 11, 12: not the blocked, the news-off, the staff, 16
        (Audience(centre_id=1), 2),
        (Audience(band="high"), 1),
        (Audience(specialisation="comm"), 1),
        (Audience(finished=True), 2),
        (Audience(finished=False), 1),
        (Audience(subscribed=True), 1),
        (Audience(subscribed=False), 2),
        (Audience(language="en"), 2),  # 11 by Telegram's language, 12 by their choice
        (Audience(language="ru"), 1),
        (Audience(active_days=30), 2),
        (Audience(centre_id=1, finished=True, language="ru"), 1),
    ],
)
async def test_an_audience_counts_who_it_would_reach(
    people: Database, audience: Audience, expected: int
) -> None:
    assert await BroadcastsRepo(people).count(params(audience)) == expected


async def test_a_result_flagged_as_careless_puts_nobody_in_a_band_or_specialisation(
    people: Database,
) -> None:
    repo = BroadcastsRepo(people)
    # Student 12's latest result says "high" and "tech", but may be inaccurate.
    await finish(people, 12, "high", "tech", flags=["too_fast"])
    assert await repo.count(params(Audience(band="high"))) == 1  # student 10 only
    assert await repo.count(params(Audience(specialisation="tech"))) == 1
    assert await repo.count(params(Audience(finished=True))) == 3  # finished all the same
    # A calm retake with the same result counts.
    await finish(people, 12, "high", "tech", flags=[])
    assert await repo.count(params(Audience(band="high"))) == 2
    assert await repo.count(params(Audience(specialisation="tech"))) == 2


async def test_a_recipient_is_sent_once_even_across_a_crash(people: Database) -> None:
    repo = BroadcastsRepo(people)
    draft = await repo.create(
        created_by=ADMIN, kind=BroadcastKind.COPY, source=(ADMIN, 5), tip_id=None, now=T0
    )
    assert await repo.schedule(draft.id, None, 77, T0)
    assert not await repo.schedule(draft.id, None, 77, T0)  # confirmed once
    assert [b.id for b in await repo.due(T0)] == [draft.id]
    assert await repo.start(draft.id, params(Audience()), T0) == 3
    assert await repo.start(draft.id, params(Audience()), T0) is None  # started once

    batch = await repo.next_batch(10)
    assert [r.user_id for r in batch] == [10, 11, 12]
    assert await repo.claim([(draft.id, 10)]) == [True]
    # Again after a 429 pause: still its own; an unknown key is refused beside it.
    assert await repo.claim([(draft.id, 10), (draft.id, 99)]) == [True, False]
    await repo.settle([Settled(draft.id, 10, "sent", T0, message_id=1)])
    assert await repo.claim([(draft.id, 10)]) == [False]  # settled: never again
    assert await repo.claim([(draft.id, 11)]) == [True]  # ... then the process dies mid-send

    assert await repo.release_interrupted() == 1
    counts = await repo.counts(draft.id)
    assert counts == BroadcastCounts(pending=2, sent=1, uncertain=1)
    assert [r.user_id for r in await repo.next_batch(10)] == [11, 12]

    # Paused: no row can be claimed; resumed: they can.
    assert await repo.set_status(draft.id, BroadcastStatus.PAUSED, [BroadcastStatus.SENDING], T0)
    assert await repo.next_batch(10) == []
    assert await repo.claim([(draft.id, 11), (draft.id, 12)]) == [False, False]
    assert await repo.set_status(draft.id, BroadcastStatus.SENDING, [BroadcastStatus.PAUSED], T0)
    assert await repo.claim([(draft.id, 11)]) == [True]
    await repo.settle([Settled(draft.id, 11, "blocked", T0, error="Forbidden")])

    # Cancelled: who has not got it, will not; the counts say so.
    assert await repo.set_status(
        draft.id, BroadcastStatus.CANCELLED, [BroadcastStatus.SENDING, BroadcastStatus.PAUSED], T0
    )
    assert await repo.claim([(draft.id, 12)]) == [False]
    final = await repo.counts(draft.id)
    assert final == BroadcastCounts(sent=1, blocked=1, skipped=1, uncertain=1)
    assert final.total == 3
    cancelled = await repo.get(draft.id)
    assert cancelled is not None
    assert cancelled.status == BroadcastStatus.CANCELLED
    assert cancelled.finished_at == T0
    assert [b.id for b in await repo.unreported()] == [draft.id]
    assert await repo.mark_reported(draft.id, T0)
    assert not await repo.mark_reported(draft.id, T0)


async def test_a_finished_broadcast_is_done_and_a_draft_cannot_be_changed_after(
    people: Database,
) -> None:
    repo = BroadcastsRepo(people)
    draft = await repo.create(
        created_by=ADMIN, kind=BroadcastKind.TIP, source=None, tip_id="t1", now=T0
    )
    assert await repo.update_draft(draft.id, buttons=[["Site", "https://example.org"]])
    assert await repo.update_draft(draft.id, audience=Audience(centre_id=1))
    stored = await repo.get(draft.id)
    assert stored is not None
    assert stored.buttons == (("Site", "https://example.org"),)
    assert stored.audience == Audience(centre_id=1)
    await repo.schedule(draft.id, T0 + timedelta(hours=1), None, T0)
    assert not await repo.update_draft(draft.id, audience=Audience())
    assert await repo.due(T0) == []
    assert await repo.start(draft.id, params(stored.audience), T0 + timedelta(hours=1)) == 2
    keys = [(draft.id, recipient.user_id) for recipient in await repo.next_batch(10)]
    assert await repo.claim(keys) == [True, True]
    await repo.settle([Settled(*key, "sent", T0) for key in keys])
    assert await repo.finish_completed(T0) == [draft.id]
    done = await repo.get(draft.id)
    assert done is not None
    assert done.status == BroadcastStatus.DONE

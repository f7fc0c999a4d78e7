"""The tips outbox rows: claimed in batches right before sending, settled in batches."""

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.db.tips import TipOutcome, TipsRepo
from bot.db.users import UsersRepo
from bot.domain import OutboxStatus, SeenUser, SubscriptionStatus
from bot.tips.planner import Window

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def planned(db: Database, user_id: int, status: SubscriptionStatus) -> int:
    """A student with one tip due at T0, subscribed with `status`; the row's id."""
    await UsersRepo(db).touch(SeenUser(user_id, f"Student {user_id}"), T0)
    repo = TipsRepo(db)
    await repo.save_subscription(user_id, status, "UTC", Window(0, 24), timedelta(days=1), T0)
    await repo.replace_plan(user_id, [("t1", T0)], T0)
    (row,) = await repo.pending(user_id)
    return row.id


async def statuses(db: Database) -> dict[int, tuple[str, str | None, int | None]]:
    rows = await db.fetchall("SELECT id, status, sent_at, message_id FROM tip_outbox")
    return {r["id"]: (r["status"], r["sent_at"], r["message_id"]) for r in rows}


async def test_a_batch_claims_only_the_rows_that_may_still_go(db: Database) -> None:
    repo = TipsRepo(db)
    active = await planned(db, 1, SubscriptionStatus.ACTIVE)
    paused = await planned(db, 2, SubscriptionStatus.PAUSED)
    blocked = await planned(db, 3, SubscriptionStatus.ACTIVE)
    await UsersRepo(db).mark_blocked(3, T0)

    assert await repo.claim([active, paused, blocked, 999]) == [True, False, False, False]
    assert await repo.claim([active]) == [True]  # again after a 429 pause: still its own
    await repo.settle([TipOutcome(active, OutboxStatus.SENT, T0, message_id=7)])
    assert await repo.claim([active]) == [False]  # sent: never again

    rows = await statuses(db)
    assert rows[active][0] == "sent"
    assert rows[active][2] == 7
    assert rows[active][1] is not None
    assert rows[paused][0] == "pending"
    assert rows[blocked][0] == "pending"


async def test_outcomes_of_one_batch_are_recorded_together_and_a_failure_has_no_send_time(
    db: Database,
) -> None:
    repo = TipsRepo(db)
    ids = [await planned(db, uid, SubscriptionStatus.ACTIVE) for uid in (1, 2, 3)]
    assert await repo.claim(ids) == [True, True, True]
    await repo.settle(
        [
            TipOutcome(ids[0], OutboxStatus.SENT, T0, message_id=1),
            TipOutcome(ids[1], OutboxStatus.FAILED, T0, error="chat not found"),
            TipOutcome(ids[2], OutboxStatus.CANCELLED, T0, error="blocked"),
        ]
    )
    rows = await statuses(db)
    assert [rows[i][0] for i in ids] == ["sent", "failed", "cancelled"]
    assert rows[ids[1]][1] is None
    assert rows[ids[2]][1] is None
    assert await repo.release_interrupted() == 0  # nothing left mid-send


async def test_delivery_finds_outbox_rows_through_an_index_and_never_walks_the_outbox(
    db: Database,
) -> None:
    """The outbox keeps every tip ever sent (millions of rows): the statements a tick runs
    must reach the few rows they need by an index, the pending ones by due time, the ones
    left mid-send by a crash through the small index of those."""
    repo = TipsRepo(db)
    ids = [await planned(db, uid, SubscriptionStatus.ACTIVE) for uid in (1, 2)]
    statements: list[str] = []
    await db.connection.set_trace_callback(statements.append)
    assert len(await repo.due(T0, 10)) == 2
    assert await repo.claim(ids) == [True, True]
    await repo.settle([TipOutcome(ids[0], OutboxStatus.SENT, T0, message_id=1)])
    assert await repo.release_interrupted() == 1
    assert [row.id for row in await repo.pending(2)] == [ids[1]]
    await db.connection.set_trace_callback(None)  # type: ignore[arg-type]  # None stops it

    plans = {}
    for sql in statements:
        plan = await db.fetchall("EXPLAIN QUERY PLAN " + sql)
        plans[sql] = [row["detail"] for row in plan]
    assert len(plans) == 5, list(plans)
    for sql, details in plans.items():
        # Walking the index of rows mid-send is reading exactly the rows asked for.
        walks = [
            d
            for d in details
            if d.startswith("SCAN") and "json_each" not in d and "tip_outbox_sending" not in d
        ]
        assert not walks, (sql, details)
    used = " ".join(d for details in plans.values() for d in details)
    for index in ("tip_outbox_pending_due", "tip_outbox_sending", "tip_outbox_user"):
        assert f"INDEX {index}" in used, (index, plans)

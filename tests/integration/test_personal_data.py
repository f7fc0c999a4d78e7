"""Personal data on a real SQLite file: consent, the export of everything about a
student, their deletion from every table (a table added later included), retention,
and centres' statistics after deletions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FrozenClock, to_db
from bot.db import Database, apply_migrations, open_database
from bot.db.centres import CentresRepo, StaffRepo
from bot.db.changes import watch_people
from bot.db.migrations import MIGRATIONS_DIR
from bot.db.privacy import PrivacyRepo
from bot.db.stats import StatsRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.domain import SeenUser
from bot.services.privacy import Notice, PrivacyService
from bot.services.staff import StaffService
from bot.services.students import StudentService
from tests.support import rows_about

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KSENIA, OTHER, ADMIN = 987_654_321, 123_123_123, 555_555_555
NAME = "Ксенофонта"
NOTICE = Notice({"ru": "Уведомление", "en": "Notice"})


async def service(
    db: Database, clock: FrozenClock, retention: timedelta = timedelta(days=730)
) -> PrivacyService:
    staff = StaffService([ADMIN], StaffRepo(db))
    students = StudentService(
        UsersRepo(db),
        TipsRepo(db),
        CentresRepo(db),
        clock,
        staff=staff,
        consent_version=NOTICE.version,
        people=await watch_people(db),
    )
    return PrivacyService(
        PrivacyRepo(db), students, staff, clock, notice=NOTICE, retention=retention
    )


async def everything_about(db: Database, user_id: int, name: str) -> None:
    """A student with a row in every table that can name them: consent, a centre, an
    attempt with answers, tips, feedback, a broadcast delivery, a staff role through an
    invite, and an unfinished conversation."""
    stamp = to_db(T0)
    await PrivacyRepo(db).agree(
        SeenUser(user_id, name, username=f"u{user_id}"), NOTICE.version, "ru", T0
    )
    centre = await db.fetchval(
        "INSERT INTO centres (name, code, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (f"Centre {user_id % 1000}", f"code{user_id % 1000}", ADMIN, stamp),
    )
    await db.execute("UPDATE users SET centre_id = ? WHERE id = ?", (centre, user_id))
    attempt = await db.fetchval(
        "INSERT INTO attempts (user_id, quiz_id, quiz_version, status, current_node, step,"
        " started_at, updated_at) VALUES (?, 'q', 1, 'active', 'n2', 2, ?, ?) RETURNING id",
        (user_id, stamp, stamp),
    )
    for position, node in enumerate(("n1", "n2")):
        await db.execute(
            "INSERT INTO answers (attempt_id, position, node_id, option_id, answered_at)"
            " VALUES (?, ?, ?, 'a', ?)",
            (attempt, position, node, stamp),
        )
    await db.execute(
        "INSERT INTO tip_subscriptions (user_id, timezone, window_start, window_end,"
        " interval_seconds, created_at, updated_at) VALUES (?, 'Europe/Moscow', 10, 20, 60, ?, ?)",
        (user_id, stamp, stamp),
    )
    await db.execute(
        "INSERT INTO tip_outbox (user_id, tip_id, position, due_at, created_at)"
        " VALUES (?, 'tip', 0, ?, ?)",
        (user_id, stamp, stamp),
    )
    await db.execute(
        "INSERT INTO tip_feedback (user_id, tip_id, verdict, created_at)"
        " VALUES (?, 'tip', 'useful', ?)",
        (user_id, stamp),
    )
    broadcast = await db.fetchval(
        "INSERT INTO broadcasts (created_by, kind, tip_id, created_at, updated_at)"
        " VALUES (?, 'tip', 'tip', ?, ?) RETURNING id",
        (ADMIN, stamp, stamp),
    )
    await db.execute(
        "INSERT INTO broadcast_outbox (broadcast_id, user_id, status) VALUES (?, ?, 'sent')",
        (broadcast, user_id),
    )
    invite = await db.fetchval(
        "INSERT INTO invites (token_hash, role, centre_id, created_by, created_at, expires_at,"
        " used_by, used_at) VALUES (?, 'manager', ?, ?, ?, ?, ?, ?) RETURNING id",
        (f"hash{user_id % 1000}", centre, ADMIN, stamp, stamp, user_id, stamp),
    )
    await db.execute(
        "INSERT INTO staff (user_id, role, centre_id, granted_at, invite_id)"
        " VALUES (?, 'manager', ?, ?, ?)",
        (user_id, centre, stamp, invite),
    )
    await db.execute(
        "INSERT INTO fsm_states (key, user_id, state, data, updated_at) VALUES (?, ?, ?, ?, ?)",
        (
            f"1:{user_id}:{user_id}:default",
            user_id,
            "Compose:content",
            json.dumps({"name": name}),
            stamp,
        ),
    )


async def test_every_table_that_names_a_person_is_found_in_the_schema(db: Database) -> None:
    columns = {(c.table, c.column): c.set_null for c in await PrivacyRepo(db).person_columns()}
    assert columns == {
        ("attempts", "user_id"): False,
        ("broadcast_outbox", "user_id"): False,
        ("consents", "user_id"): False,
        ("fsm_states", "user_id"): False,
        ("invites", "used_by"): True,
        ("staff", "user_id"): False,
        ("tip_feedback", "user_id"): False,
        ("tip_outbox", "user_id"): False,
        ("tip_subscriptions", "user_id"): False,
    }


async def test_deletion_leaves_no_row_about_the_student_and_touches_nobody_else(
    db: Database,
) -> None:
    privacy = await service(db, FrozenClock(T0))
    await everything_about(db, KSENIA, NAME)
    await everything_about(db, OTHER, "Другой")
    assert len(await rows_about(db, KSENIA, NAME)) > 10  # the scan sees them all before
    before = await rows_about(db, OTHER, "Другой")

    removed = await privacy.erase(KSENIA)

    assert await rows_about(db, KSENIA, NAME) == []
    assert removed == 9  # the rows that name her; her answers went with her attempt
    assert await rows_about(db, OTHER, "Другой") == before
    # The admin's records stay: the invite is still used (by nobody now), the centre stays.
    assert await db.fetchval("SELECT COUNT(*) FROM invites WHERE used_at IS NOT NULL") == 2
    assert await db.fetchval("SELECT COUNT(*) FROM centres") == 2


async def test_a_table_added_later_is_deleted_and_scanned_with_no_change(db: Database) -> None:
    """A future migration's tables: one with a `user_id`, one referencing users under
    another name, one below a student's attempt. Nothing here names them."""
    await db.execute("CREATE TABLE future_notes (user_id INTEGER NOT NULL, note TEXT)")
    await db.execute(
        "CREATE TABLE future_mentors (id INTEGER PRIMARY KEY,"
        " mentee INTEGER REFERENCES users (id) ON DELETE CASCADE, since TEXT)"
    )
    await db.execute(
        "CREATE TABLE future_marks (attempt_id INTEGER NOT NULL"
        " REFERENCES attempts (id) ON DELETE CASCADE, mark TEXT)"
    )
    privacy = await service(db, FrozenClock(T0))
    await everything_about(db, KSENIA, NAME)
    attempt = await db.fetchval("SELECT id FROM attempts WHERE user_id = ?", (KSENIA,))
    await db.execute("INSERT INTO future_notes VALUES (?, ?)", (KSENIA, f"заметка про {NAME}"))
    await db.execute("INSERT INTO future_mentors (mentee, since) VALUES (?, 'x')", (KSENIA,))
    await db.execute("INSERT INTO future_marks VALUES (?, ?)", (attempt, f"оценка {NAME}"))

    export = await privacy.export(KSENIA)
    assert {"future_notes", "future_mentors", "future_marks"} <= set(export.tables)

    await privacy.erase(KSENIA)
    assert await rows_about(db, KSENIA, NAME) == []
    assert await db.fetchval("SELECT COUNT(*) FROM future_marks") == 0


async def test_the_export_holds_every_row_and_the_answers(db: Database) -> None:
    privacy = await service(db, FrozenClock(T0))
    await everything_about(db, KSENIA, NAME)
    await everything_about(db, OTHER, "Другой")
    export = await privacy.export(KSENIA)
    assert export.count("answers") == 2
    assert export.count("users") == 1
    assert export.tables["consents"][0]["version"] == NOTICE.version
    document = json.loads(export.to_json())
    assert document["user_id"] == KSENIA
    assert NAME in export.to_json().decode()
    assert "Другой" not in export.to_json().decode()
    assert str(OTHER) not in export.to_json().decode()
    assert str(ADMIN) not in export.to_json().decode()  # who made her invite is not hers
    found = {table for table, rows in document["tables"].items() if rows}
    assert found == {
        "users", "consents", "attempts", "answers", "tip_subscriptions", "tip_outbox",
        "tip_feedback", "broadcast_outbox", "invites", "staff", "fsm_states",
    }  # fmt: skip


async def test_consent_is_stored_with_the_person_and_a_changed_notice_asks_again(
    db: Database,
) -> None:
    privacy = await service(db, FrozenClock(T0))
    seen = SeenUser(KSENIA, NAME)
    assert (await privacy._students.visit(seen)).user is None
    assert await db.fetchval("SELECT COUNT(*) FROM users") == 0  # a visit stores nothing
    assert await privacy.agree(seen, "an old version", "ru", None) is None
    assert await db.fetchval("SELECT COUNT(*) FROM users") == 0

    agreed = await privacy.agree(seen, NOTICE.version, "ru", None)
    assert agreed is not None
    assert privacy.consented(agreed.user)
    visit = await privacy._students.visit(seen)
    assert visit.consented

    changed = Notice({"ru": "Новое уведомление", "en": "New notice"})
    assert changed.version != NOTICE.version
    privacy.notice = changed
    privacy._students.consent_version = changed.version
    again = await privacy._students.visit(seen)
    assert again.user is not None
    assert not again.consented


async def test_the_notice_texts_are_kept_once_per_version(db: Database) -> None:
    privacy = await service(db, FrozenClock(T0))
    await privacy.publish()
    await privacy.publish()
    rows = await db.fetchall("SELECT version, locale, text FROM consent_notices ORDER BY locale")
    assert [tuple(row) for row in rows] == [
        (NOTICE.version, "en", "Notice"),
        (NOTICE.version, "ru", "Уведомление"),
    ]


async def test_retention_deletes_only_students_away_for_longer(db: Database) -> None:
    clock = FrozenClock(T0)
    privacy = await service(db, clock, retention=timedelta(days=30))
    for user_id in (KSENIA, OTHER, ADMIN, 444):
        await PrivacyRepo(db).agree(SeenUser(user_id, "x"), NOTICE.version, "ru", T0)
    await db.execute(  # a manager: kept while they hold the role
        "INSERT INTO staff (user_id, role, granted_at) VALUES (444, 'operator', ?)", (to_db(T0),)
    )
    clock.advance(timedelta(days=20))
    await privacy._students.visit(SeenUser(OTHER, "x"))  # came back on day 20
    clock.advance(timedelta(days=10, seconds=1))

    assert await privacy.purge_inactive() == 1
    assert await rows_about(db, KSENIA) == []
    left = {row[0] for row in await db.fetchall("SELECT id FROM users")}
    assert left == {OTHER, ADMIN, 444}
    assert await privacy.purge_inactive() == 0


async def test_centre_statistics_forget_a_deleted_student(db: Database) -> None:
    privacy = await service(db, FrozenClock(T0))
    await everything_about(db, KSENIA, NAME)
    centre = await db.fetchval("SELECT centre_id FROM users WHERE id = ?", (KSENIA,))
    for user_id in (1_000_001, 1_000_002):
        await PrivacyRepo(db).agree(SeenUser(user_id, "x"), NOTICE.version, "ru", T0)
        await db.execute("UPDATE users SET centre_id = ? WHERE id = ?", (centre, user_id))
        await db.execute(
            "INSERT INTO attempts (user_id, quiz_id, quiz_version, status, current_node, step,"
            " started_at, updated_at) VALUES (?, 'q', 1, 'active', 'n1', 1, ?, ?)",
            (user_id, to_db(T0), to_db(T0)),
        )
    stats = StatsRepo(db)
    assert (await stats.raw(centre, "q", None)).started == 3
    assert (await stats.raw(None, "q", None)).started == 3
    await privacy.erase(KSENIA)
    assert (await stats.raw(centre, "q", None)).started == 2
    assert (await stats.raw(None, "q", None)).started == 2


async def test_migration_gives_old_fsm_rows_their_user(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name < "0007":
            (folder / path.name).write_bytes(path.read_bytes())
    db = await open_database(tmp_path / "old.sqlite3")
    try:
        await apply_migrations(db, folder)
        await db.execute(
            "INSERT INTO fsm_states (key, state, updated_at) VALUES (?, 's', ?)",
            (f"123456:{KSENIA}:{KSENIA}:default", to_db(T0)),
        )
        await apply_migrations(db)
        assert await db.fetchval("SELECT user_id FROM fsm_states") == KSENIA
    finally:
        await db.close()

"""Visits served from memory, on a real SQLite file: SQLite's own triggers report every
write to a person's rows, however it was made, and the next visit reads the row again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock, to_db
from bot.db import Database
from bot.db.centres import CentresRepo, StaffRepo
from bot.db.changes import PersonChanges, watch_people
from bot.db.privacy import PrivacyRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.domain import SeenUser
from bot.services.staff import StaffService
from bot.services.students import VISIT_STAMP_INTERVAL, StudentService

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ANYA = SeenUser(1, "Аня", username="anya", language_code="ru")
BORIS = SeenUser(2, "Борис", language_code="ru")


async def students(db: Database, clock: FrozenClock, version: str = "v1") -> StudentService:
    return StudentService(
        UsersRepo(db),
        TipsRepo(db),
        CentresRepo(db),
        clock,
        staff=StaffService([], StaffRepo(db)),
        consent_version=version,
        people=await watch_people(db),
    )


def reported(changes: PersonChanges) -> set[int]:
    return set(changes.take())


async def last_seen(db: Database, user_id: int) -> str | None:
    value = await db.fetchval("SELECT last_seen_at FROM users WHERE id = ?", (user_id,))
    return None if value is None else str(value)


async def test_every_write_to_a_person_is_reported_but_a_visit_stamp(db: Database) -> None:
    changes = await watch_people(db)
    users, privacy = UsersRepo(db), PrivacyRepo(db)
    await privacy.agree(ANYA, "v1", "ru", T0)  # a users row and a consents row
    await privacy.agree(BORIS, "v1", "ru", T0)
    assert reported(changes) == {1, 2}

    generation = changes.generation
    later = T0 + timedelta(minutes=5)
    await users.touch_agreed([ANYA, BORIS], later, "v1")  # nothing but the stamp moves
    await users.touch(ANYA, later + timedelta(minutes=1))
    assert (changes.generation, reported(changes)) == (generation, set())
    assert await last_seen(db, 1) == to_db(later + timedelta(minutes=1))

    writes = [
        users.touch_agreed([SeenUser(1, "Anna", username="anya", language_code="ru")], later, "v1"),
        users.set_locale(1, "en"),
        users.set_news(1, wanted=False, now=later),
        users.mark_blocked(1, later),
        users.mark_unblocked(1),
        users.set_source_if_empty(1, "centre"),
        # Written past the repositories: straight SQL, and a transaction run on the
        # connection's own thread.
        db.execute("UPDATE users SET username = 'a' WHERE id = 1"),
        db.atomic(lambda conn: conn.execute("UPDATE users SET last_name = 'Ли' WHERE id = 1")),
        db.execute("UPDATE consents SET locale = 'en' WHERE user_id = 1"),
    ]
    for write in writes:
        before = changes.generation
        await write
        assert reported(changes) == {1}, write
        assert changes.generation > before

    # A write that changes no row reports nothing; other tables report nothing.
    await users.set_locale(1, "en")
    await db.execute(
        "INSERT INTO consent_notices (version, locale, text, created_at)"
        " VALUES ('v2', 'ru', 't', ?)",
        (to_db(T0),),
    )
    assert reported(changes) == set()

    removed = await privacy.erase(2)
    assert removed["users"] == 1
    assert reported(changes) == {2}


async def test_a_student_who_agreed_is_written_down_once_a_minute(db: Database) -> None:
    clock = FrozenClock(T0)
    service = await students(db, clock)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0 - timedelta(days=1))

    first = await service.visit(ANYA)
    assert first.consented
    assert first.user is not None
    writes = service._agreed_visits.batches
    for _ in range(5):
        clock.advance(timedelta(seconds=10))
        visit = await service.visit(ANYA)
        assert visit == first
    assert service._agreed_visits.batches == writes  # no trip for these
    assert await last_seen(db, 1) == to_db(T0)

    clock.advance(VISIT_STAMP_INTERVAL - timedelta(seconds=50))  # a minute since T0
    visit = await service.visit(ANYA)
    assert service._agreed_visits.batches == writes + 1
    assert visit.user is not None
    assert visit.user.last_seen_at == clock.now()
    assert await last_seen(db, 1) == to_db(clock.now())


async def test_the_visit_after_any_write_reads_the_row_again(db: Database) -> None:
    clock = FrozenClock(T0)
    service = await students(db, clock)
    users = UsersRepo(db)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0)
    await service.visit(ANYA)

    await users.set_locale(1, "en")
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert visit.user.locale == "en"

    await db.execute("UPDATE users SET centre_id = NULL, source = 'fair' WHERE id = 1")
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert visit.user.source == "fair"

    # Blocking the bot is forgotten at the next visit, in the database too.
    await users.mark_blocked(1, T0)
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert visit.user.blocked_at is None
    assert await db.fetchval("SELECT blocked_at FROM users WHERE id = 1") is None

    # A new name is written at once, not a minute later.
    renamed = SeenUser(1, "Anna", username="anya", language_code="ru")
    visit = await service.visit(renamed)
    assert visit.user is not None
    assert visit.user.first_name == "Anna"
    assert await db.fetchval("SELECT first_name FROM users WHERE id = 1") == "Anna"


async def test_after_erasure_the_student_is_a_stranger_at_once(db: Database) -> None:
    clock = FrozenClock(T0)
    service = await students(db, clock)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0)
    assert (await service.visit(ANYA)).consented

    await PrivacyRepo(db).erase(1)
    visit = await service.visit(ANYA)
    assert (visit.user, visit.consented) == (None, False)
    assert await db.fetchval("SELECT COUNT(*) FROM users") == 0  # nothing written back


async def test_a_consent_to_an_older_notice_is_not_served(db: Database) -> None:
    clock = FrozenClock(T0)
    service = await students(db, clock)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0)
    assert (await service.visit(ANYA)).consented
    service.consent_version = "v2"  # a new notice in force
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert not visit.consented


async def test_a_row_read_while_another_write_went_on_is_not_kept(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(T0)
    service = await students(db, clock)
    users = UsersRepo(db)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0)
    write_visits = service._users.touch_agreed

    async def then_the_locale(visits: list[SeenUser], now: datetime, version: str) -> object:
        rows = await write_visits(visits, now, version)
        await users.set_locale(1, "en")  # written after the visit's row was read
        return rows

    monkeypatch.setattr(service._users, "touch_agreed", then_the_locale)
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert visit.user.locale is None
    monkeypatch.undo()
    visit = await service.visit(ANYA)
    assert visit.user is not None
    assert visit.user.locale == "en"


async def test_one_watcher_per_connection(db: Database) -> None:
    """A second one would take the first one's reports, and the first would trust
    rows that changed."""
    await watch_people(db)
    with pytest.raises(RuntimeError, match="watched already"):
        await watch_people(db)


async def test_a_write_that_rolled_back_drops_the_row_all_the_same(db: Database) -> None:
    """Reported while it ran, the write costs the next visit a read, and that read finds
    the row as it was."""
    clock = FrozenClock(T0)
    service = await students(db, clock)
    await PrivacyRepo(db).agree(ANYA, "v1", "ru", T0)
    await service.visit(ANYA)

    def fails(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE users SET locale = 'en' WHERE id = 1")
        raise sqlite3.IntegrityError("later statement failed")

    with pytest.raises(sqlite3.IntegrityError, match="later statement failed"):
        await db.atomic(fails)
    writes = service._agreed_visits.batches
    visit = await service.visit(ANYA)
    assert service._agreed_visits.batches == writes + 1
    assert visit.user is not None
    assert visit.user.locale is None

from datetime import UTC, datetime, timedelta

from bot.clock import to_db
from bot.db import Database
from bot.db.privacy import PrivacyRepo
from bot.db.users import UsersRepo
from bot.domain import SeenUser

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


async def test_created_once_then_refreshed(db: Database) -> None:
    repo = UsersRepo(db)
    user, created = await repo.touch(SeenUser(1, "Аня", language_code="ru"), T0)
    assert created
    assert (user.first_name, user.language_code, user.created_at) == ("Аня", "ru", T0)

    later = T0 + timedelta(days=3)
    user, created = await repo.touch(
        SeenUser(1, "Anna", username="anna", language_code="en"), later
    )
    assert not created
    assert user.created_at == T0
    assert user.last_seen_at == later
    assert (user.first_name, user.username, user.language_code) == ("Anna", "anna", "en")
    assert await db.fetchval("SELECT COUNT(*) FROM users") == 1


async def test_first_touch_source_wins(db: Database) -> None:
    repo = UsersRepo(db)
    await repo.touch(SeenUser(2, "Boris"), T0)
    assert await repo.set_source_if_empty(2, "centre_a")
    assert not await repo.set_source_if_empty(2, "centre_b")
    user = await repo.get(2)
    assert user is not None
    assert user.source == "centre_a"


async def test_blocked_until_the_user_writes_again(db: Database) -> None:
    repo = UsersRepo(db)
    await repo.touch(SeenUser(3, "Vera"), T0)
    await repo.mark_blocked(3, T0 + timedelta(hours=1))
    user = await repo.get(3)
    assert user is not None
    assert user.blocked_at == T0 + timedelta(hours=1)
    user, _ = await repo.touch(SeenUser(3, "Vera"), T0 + timedelta(hours=2))
    assert user.blocked_at is None


async def test_locale_choice_is_stored(db: Database) -> None:
    repo = UsersRepo(db)
    await repo.touch(SeenUser(4, "Gleb", language_code="ru"), T0)
    await repo.set_locale(4, "en")
    user = await repo.get(4)
    assert user is not None
    assert user.locale == "en"
    assert await repo.get(999) is None


async def test_news_are_wanted_until_turned_off(db: Database) -> None:
    repo = UsersRepo(db)
    user, _ = await repo.touch(SeenUser(5, "Dasha"), T0)
    assert user.news_off_at is None

    off = T0 + timedelta(hours=1)
    assert await repo.set_news(5, wanted=False, now=off)
    # Turning them off again changes nothing: the first moment stays.
    assert not await repo.set_news(5, wanted=False, now=off + timedelta(hours=1))
    stored = await repo.get(5)
    assert stored is not None
    assert stored.news_off_at == off
    # A visit (or coming back after blocking the bot) does not turn news back on.
    user, _ = await repo.touch(SeenUser(5, "Dasha"), off + timedelta(days=1))
    assert user.news_off_at == off

    assert await repo.set_news(5, wanted=True, now=off + timedelta(days=2))
    assert not await repo.set_news(5, wanted=True, now=off + timedelta(days=3))
    stored = await repo.get(5)
    assert stored is not None
    assert stored.news_off_at is None
    assert not await repo.set_news(999, wanted=False, now=off)


async def test_a_visit_of_an_agreed_student_is_one_statement(db: Database) -> None:
    repo = UsersRepo(db)
    await PrivacyRepo(db).agree(SeenUser(7, "Аня"), "v1", "ru", T0)
    await repo.mark_blocked(7, T0 + timedelta(hours=1))
    later = T0 + timedelta(days=1)
    [user] = await repo.touch_agreed([SeenUser(7, "Anna", username="anna")], later, "v1")
    assert user is not None
    assert (user.first_name, user.username, user.consent_version) == ("Anna", "anna", "v1")
    assert (user.last_seen_at, user.blocked_at, user.created_at) == (later, None, T0)
    assert user == await repo.get(7)


async def test_no_visit_is_written_without_agreement_to_this_notice(db: Database) -> None:
    repo = UsersRepo(db)
    await PrivacyRepo(db).agree(SeenUser(8, "Boris"), "v1", "ru", T0)
    await repo.touch(SeenUser(9, "Vera"), T0)  # stored (staff), never agreed
    later = T0 + timedelta(days=1)
    visits = [SeenUser(8, "Changed"), SeenUser(9, "Changed"), SeenUser(10, "Nobody")]
    assert await repo.touch_agreed(visits[:1], later, "v2") == [None]
    assert await repo.touch_agreed(visits[1:], later, "v1") == [None, None]
    rows = await db.fetchall("SELECT id, first_name, last_seen_at FROM users ORDER BY id")
    assert [tuple(r) for r in rows] == [(8, "Boris", to_db(T0)), (9, "Vera", to_db(T0))]


async def test_visits_in_one_batch_each_get_their_own_row_in_order(db: Database) -> None:
    repo = UsersRepo(db)
    for uid, name in ((11, "Аня"), (12, "Борис"), (13, "Вера")):
        await PrivacyRepo(db).agree(SeenUser(uid, name), "v1", "ru", T0)
    later = T0 + timedelta(minutes=5)
    visits = [
        SeenUser(13, "Вера", language_code="en"),
        SeenUser(99, "Stranger"),
        SeenUser(11, "Аня", last_name="Ли"),
        SeenUser(11, "Аня", last_name="Пак"),  # two updates of one student: the last wins
        SeenUser(12, "Борис"),
    ]
    users = await repo.touch_agreed(visits, later, "v1")
    assert [u.id if u else None for u in users] == [13, None, 11, 11, 12]
    assert users[0] is not None
    assert users[0].language_code == "en"
    assert users[2] is not None
    assert users[2].last_name == "Пак"
    assert users[2] == users[3]
    assert all(u.last_seen_at == later for u in users if u)
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN UPDATE users SET last_seen_at = 1 FROM json_each(?) AS v"
        " WHERE users.id = json_extract(v.value, '$[0]')",
        ("[]",),
    )
    assert not any("SCAN users" in row["detail"] for row in plan), [r["detail"] for r in plan]

"""Centres, invites and roles on a real SQLite file: who gets in, and who does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.db import Database
from bot.db.centres import CentresRepo, StaffRepo
from bot.db.changes import PersonChanges, watch_people
from bot.db.privacy import PrivacyRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.domain import Centre, Role, SeenUser, User
from bot.services.centres import (
    INVITE_PREFIX,
    CentreNameError,
    CentresService,
    InviteRefusal,
    Joined,
    Refused,
)
from bot.services.staff import StaffService
from bot.services.students import SHARE_PAYLOAD, StudentService

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADMIN = 1


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def staff(db: Database) -> StaffService:
    return StaffService([ADMIN], StaffRepo(db))


@pytest.fixture
def centres(db: Database, staff: StaffService, clock: FrozenClock) -> CentresService:
    return CentresService(CentresRepo(db), StaffRepo(db), staff, clock, timedelta(days=7))


NOTICE = "v1"


class Students(StudentService):
    """Students who agree to the notice the first time they write."""

    def __init__(
        self, db: Database, clock: FrozenClock, staff: StaffService, people: PersonChanges
    ) -> None:
        super().__init__(
            UsersRepo(db),
            TipsRepo(db),
            CentresRepo(db),
            clock,
            staff=staff,
            consent_version=NOTICE,
            people=people,
        )
        self.consents = PrivacyRepo(db)


@pytest.fixture
async def students(db: Database, clock: FrozenClock, staff: StaffService) -> Students:
    return Students(db, clock, staff, await watch_people(db))


async def visit(
    students: Students, user_id: int, args: str | None = None
) -> tuple[User, Centre | None]:
    """A student who agreed to the notice writes (with a deep link's `args`)."""
    seen = SeenUser(user_id, f"u{user_id}")
    if (await students.visit(seen)).user is None:
        await students.consents.agree(seen, NOTICE, "ru", T0)
    user = (await students.visit(seen)).user
    assert user is not None
    return user, await students.arrived(user, args)


async def test_codes_are_random_and_distinct(centres: CentresService) -> None:
    made = [await centres.create(f"Centre {n}", ADMIN) for n in range(20)]
    codes = {centre.code for centre in made}
    assert len(codes) == 20
    assert all(len(code) >= 11 and not code.startswith(INVITE_PREFIX) for code in codes)
    with pytest.raises(CentreNameError):
        await centres.create("   ", ADMIN)
    with pytest.raises(CentreNameError):
        await centres.create("x" * 81, ADMIN)


async def test_an_invite_works_once_and_only_in_time(
    db: Database,
    centres: CentresService,
    staff: StaffService,
    students: Students,
    clock: FrozenClock,
) -> None:
    centre = await centres.create("Alpha", ADMIN)
    for user_id in (10, 11, 12):
        await visit(students, user_id)
    invite = await centres.invite(Role.MANAGER, centre.id, ADMIN)
    # Only a hash of the secret is stored.
    secret = invite.payload.removeprefix(INVITE_PREFIX)
    assert (
        await db.fetchval("SELECT COUNT(*) FROM invites WHERE token_hash LIKE ?", (f"%{secret}%",))
        == 0
    )

    assert await staff.roles(10) == frozenset()
    joined = await centres.accept(invite.payload, 10)
    assert isinstance(joined, Joined)
    assert joined.centre == centre
    assert (await staff.access(10)).centres == {centre.id}
    assert await centres.accept(invite.payload, 11) == Refused(InviteRefusal.USED)
    assert await staff.roles(11) == frozenset()
    again = await centres.accept(invite.payload, 10)
    assert isinstance(again, Joined)
    assert again.already

    late = await centres.invite(Role.MANAGER, centre.id, ADMIN)
    clock.advance(timedelta(days=7))
    assert await centres.accept(late.payload, 12) == Refused(InviteRefusal.EXPIRED)
    assert await centres.accept(INVITE_PREFIX + "forged", 12) == Refused(InviteRefusal.UNKNOWN)
    assert await staff.roles(12) == frozenset()


async def test_a_revoked_manager_loses_the_centre(
    centres: CentresService, staff: StaffService, students: Students
) -> None:
    alpha = await centres.create("Alpha", ADMIN)
    beta = await centres.create("Beta", ADMIN)
    await visit(students, 10)
    for centre in (alpha, beta):
        invite = await centres.invite(Role.MANAGER, centre.id, ADMIN)
        assert isinstance(await centres.accept(invite.payload, 10), Joined)
    assert (await staff.access(10)).centres == {alpha.id, beta.id}
    assert await centres.revoke_manager(alpha.id, 10)
    access = await staff.access(10)
    assert access.centres == {beta.id}
    assert not access.sees_centre(alpha.id)
    assert not await centres.revoke_manager(alpha.id, 10)
    assert [m.user_id for m in await centres.managers(beta.id)] == [10]


async def test_students_belong_to_the_first_live_centre_they_came_through(
    centres: CentresService, students: Students
) -> None:
    alpha = await centres.create("Alpha", ADMIN)
    beta = await centres.create("Beta", ADMIN)
    user, joined = await visit(students, 20, alpha.code)
    assert joined == alpha
    user, joined = await visit(students, 20, beta.code)
    assert joined is None
    assert user.centre_id == alpha.id
    assert await students.share_payload(user) == alpha.code

    await centres.archive(beta.id)
    user, joined = await visit(students, 21, beta.code)
    assert joined is None
    assert user.centre_id is None
    assert await students.share_payload(user) == SHARE_PAYLOAD

    # An invite is not a source: opening one leaves the student's first touch free.
    invite = await centres.invite(Role.MANAGER, alpha.id, ADMIN)
    user, _ = await visit(students, 22, invite.payload)
    user, joined = await visit(students, 22, alpha.code)
    assert joined == alpha
    user, _ = await visit(students, 22)
    assert user.source == alpha.code
    assert user.centre_id == alpha.id


async def test_an_invite_stores_a_newcomer_only_when_it_works(
    db: Database, centres: CentresService, staff: StaffService, students: Students
) -> None:
    """Staff need no student's consent: a working invite stores the person for the
    role; a refused one stores nothing about them."""
    newcomer = SeenUser(30, "Вера", username="vera")
    assert (await students.visit(newcomer)).user is None  # unknown, and still not stored
    assert await db.fetchval("SELECT COUNT(*) FROM users WHERE id = 30") == 0
    refused = await centres.accept(INVITE_PREFIX + "forged", 30, newcomer)
    assert refused == Refused(InviteRefusal.UNKNOWN)
    assert await db.fetchval("SELECT COUNT(*) FROM users WHERE id = 30") == 0

    invite = await centres.invite(Role.OPERATOR, None, ADMIN)
    assert isinstance(await centres.accept(invite.payload, 30, newcomer), Joined)
    visit = await students.visit(newcomer)
    assert visit.user is not None
    assert visit.user.username == "vera"
    assert not visit.consented  # staff, not yet a student who agreed
    assert await staff.roles(30) == frozenset({Role.OPERATOR})

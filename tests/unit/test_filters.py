"""The filters every router relies on: who is a student in a private chat, who is staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat
from aiogram.types import User as TgUser

from bot.domain import Role, User
from bot.services.staff import StaffService
from handlers.filters import Consented, GroupChat, HasRole, NotConsented, PrivateChat

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN, STUDENT = 100, 200
PRIVATE = Chat(id=STUDENT, type="private")
GROUP = Chat(id=-100, type="supergroup")


def user(user_id: int) -> User:
    return User(user_id, "Имя", None, None, "ru", None, None, None, NOW, NOW, None)


MANAGER = 300


class Granted:
    """Roles granted in the bot, without a database: one manager of centre 7."""

    async def roles_of(self, user_id: int) -> list[tuple[Role, int | None]]:
        return [(Role.MANAGER, 7)] if user_id == MANAGER else []

    async def everyone(self) -> list[int]:
        return [MANAGER]


STAFF = StaffService(admin_ids=[ADMIN], repo=Granted())
EVENT = PRIVATE  # any update object: the filters look only at what middlewares put in the data


async def test_admins_pass_the_admin_filter_and_students_do_not() -> None:
    admins_only = HasRole(Role.ADMIN)
    assert await admins_only(EVENT, staff=STAFF, user=user(ADMIN))
    assert not await admins_only(EVENT, staff=STAFF, user=user(STUDENT))
    assert not await admins_only(EVENT, staff=STAFF, user=None)


async def test_roles_an_admin_does_not_have_are_refused() -> None:
    managers = HasRole(Role.MANAGER, Role.OPERATOR)
    assert not await managers(EVENT, staff=STAFF, user=user(ADMIN))
    assert await STAFF.roles(STUDENT) == frozenset()


async def test_a_granted_manager_passes_the_manager_filter_only() -> None:
    assert await HasRole(Role.MANAGER)(EVENT, staff=STAFF, user=user(MANAGER))
    assert not await HasRole(Role.ADMIN, Role.OPERATOR)(EVENT, staff=STAFF, user=user(MANAGER))
    access = await STAFF.access(MANAGER)
    assert access.sees_centre(7)
    assert not access.sees_centre(8)


def test_a_role_filter_names_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        HasRole()


async def test_private_chat_needs_a_person_in_a_private_chat() -> None:
    private = PrivateChat()
    person = TgUser(id=STUDENT, is_bot=False, first_name="Имя")
    robot = TgUser(id=STUDENT, is_bot=True, first_name="GroupAnonymousBot")
    assert await private(EVENT, event_chat=PRIVATE, event_from_user=person)
    assert not await private(EVENT, event_chat=PRIVATE, event_from_user=robot)
    assert not await private(EVENT, event_chat=PRIVATE, event_from_user=None)
    assert not await private(EVENT, event_chat=GROUP, event_from_user=person)
    assert not await private(EVENT, event_chat=None, event_from_user=person)


async def test_student_routers_need_a_stored_user_who_agreed_to_the_notice() -> None:
    agreed, waiting = Consented(), NotConsented()
    assert await agreed(EVENT, user=user(STUDENT), consented=True)
    assert not await agreed(EVENT, user=user(STUDENT), consented=False)  # an older notice
    assert not await agreed(EVENT, user=None, consented=False)
    assert not await waiting(EVENT, user=user(STUDENT), consented=True)
    assert await waiting(EVENT, user=user(STUDENT), consented=False)
    assert await waiting(EVENT, user=None, consented=False)


async def test_group_chat() -> None:
    group = GroupChat()
    assert await group(EVENT, event_chat=GROUP)
    assert not await group(EVENT, event_chat=PRIVATE)

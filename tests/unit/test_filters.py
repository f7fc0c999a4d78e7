"""The filters every router relies on: who is a student in a private chat, who is staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Chat

from bot.domain import Role, User
from bot.services.staff import StaffService
from handlers.filters import GroupChat, HasRole, PrivateChat

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN, STUDENT = 100, 200
PRIVATE = Chat(id=STUDENT, type="private")
GROUP = Chat(id=-100, type="supergroup")


def user(user_id: int) -> User:
    return User(user_id, "Имя", None, None, "ru", None, None, NOW, NOW, None)


STAFF = StaffService(admin_ids=[ADMIN])
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


def test_a_role_filter_names_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        HasRole()


async def test_private_chat_needs_a_known_user() -> None:
    private = PrivateChat()
    assert await private(EVENT, event_chat=PRIVATE, user=user(STUDENT))
    assert not await private(EVENT, event_chat=PRIVATE, user=None)
    assert not await private(EVENT, event_chat=GROUP, user=user(STUDENT))
    assert not await private(EVENT, event_chat=None, user=user(STUDENT))


async def test_group_chat() -> None:
    group = GroupChat()
    assert await group(EVENT, event_chat=GROUP)
    assert not await group(EVENT, event_chat=PRIVATE)

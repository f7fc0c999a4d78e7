"""The memory of recent visits: what it serves, and everything that makes it forget."""

import collections
from datetime import UTC, datetime, timedelta

from bot.db.changes import PersonChanges
from bot.domain import SeenUser, User
from bot.services.students import VISIT_STAMP_INTERVAL, RecentVisits

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def user(user_id: int, name: str = "Аня", locale: str | None = None) -> User:
    return User(user_id, name, None, None, "ru", locale, None, None, T0, T0, None, None, "v1")


def seen(user_id: int, name: str = "Аня") -> SeenUser:
    return SeenUser(user_id, name, language_code="ru")


def kept(*ids: int) -> tuple[PersonChanges, RecentVisits]:
    changes = PersonChanges()
    recent = RecentVisits(changes)
    for user_id in ids:
        recent.keep(seen(user_id), user(user_id), T0, recent.generation)
    return changes, recent


def test_a_visit_of_the_same_minute_is_served_the_row_written() -> None:
    _, recent = kept(1)
    assert recent.get(seen(1), T0) == user(1)
    assert recent.get(seen(1), T0 + VISIT_STAMP_INTERVAL - timedelta(seconds=1)) == user(1)
    assert recent.get(seen(2), T0) is None


def test_a_minute_later_the_visit_is_written_again() -> None:
    _, recent = kept(1)
    assert recent.get(seen(1), T0 + VISIT_STAMP_INTERVAL) is None
    # A clock that went back is no reason to trust the row either.
    assert recent.get(seen(1), T0 - timedelta(seconds=1)) is None


def test_a_sender_whose_name_or_language_changed_is_written_at_once() -> None:
    _, recent = kept(1)
    assert recent.get(seen(1, "Anna"), T0) is None
    assert recent.get(SeenUser(1, "Аня", language_code="en"), T0) is None
    assert recent.get(SeenUser(1, "Аня", username="anya", language_code="ru"), T0) is None


def test_a_reported_change_drops_that_student_only() -> None:
    changes, recent = kept(1, 2)
    changes.changed(1)
    assert recent.get(seen(1), T0) is None
    assert recent.get(seen(2), T0) == user(2)
    assert len(recent) == 1


def test_a_row_read_while_anything_was_written_is_not_kept() -> None:
    changes = PersonChanges()
    recent = RecentVisits(changes)
    generation = recent.generation
    changes.changed(7)  # somebody else's row, or a change report without an id
    recent.keep(seen(1), user(1), T0, generation)
    assert recent.get(seen(1), T0) is None
    changes.changed(None)
    recent.keep(seen(1), user(1), T0, recent.generation - 1)
    assert recent.get(seen(1), T0) is None
    recent.keep(seen(1), user(1), T0, recent.generation)
    assert recent.get(seen(1), T0) == user(1)


def test_a_newer_write_replaces_the_row_and_old_rows_go() -> None:
    _, recent = kept(1, 2)
    later = T0 + timedelta(seconds=30)
    recent.keep(seen(1), user(1, locale="en"), later, recent.generation)
    assert recent.get(seen(1), later) == user(1, locale="en")
    assert len(recent) == 2
    # Keeping a row a minute after the others were written lets those go.
    last = T0 + VISIT_STAMP_INTERVAL
    recent.keep(seen(3), user(3), last, recent.generation)
    assert len(recent) == 2
    assert recent.get(seen(2), last) is None
    assert recent.get(seen(1), last) == user(1, locale="en")
    # Looking a minute after the last write lets every row go, served or not.
    assert recent.get(seen(3), last + VISIT_STAMP_INTERVAL) is None
    assert len(recent) == 0


def test_rows_from_before_a_clock_went_back_go() -> None:
    _, recent = kept(1, 2)
    assert recent.get(seen(1), T0 - timedelta(seconds=1)) is None
    assert len(recent) == 0


def test_an_id_is_reported_after_its_generation() -> None:
    """The database's thread may stop between the two steps of a report: the id must
    not be visible before the generation moved, or a row read before the change could
    be kept after its id was taken."""
    changes = PersonChanges()
    seen_at: list[int] = []

    class Watched(collections.deque[int]):
        def append(self, item: int) -> None:
            seen_at.append(changes.generation)
            super().append(item)

    changes._ids = Watched()
    changes.changed(5)
    assert seen_at == [1]
    assert changes.take() == [5]


def test_reports_are_taken_once_in_order() -> None:
    changes = PersonChanges()
    for person in (3, None, 1, 3):
        changes.changed(person)
    assert changes.generation == 4
    assert changes.take() == [3, 1, 3]
    assert changes.take() == []

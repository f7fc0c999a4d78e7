"""One injectable source of time, so scheduling and records are tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

DB_FORMAT = "%Y-%m-%d %H:%M:%S"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests and benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def to_db(moment: datetime) -> str:
    """A UTC timestamp as SQLite's own datetime() writes it, so they compare as text."""
    return moment.astimezone(UTC).strftime(DB_FORMAT)


def from_db(text: str) -> datetime:
    return datetime.strptime(text, DB_FORMAT).replace(tzinfo=UTC)

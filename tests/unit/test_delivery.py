"""The delivery loop with fake sources and a fake Bot API: no database, no network."""

from __future__ import annotations

import pytest

from bot.services.delivery import send_concurrency


@pytest.mark.parametrize(
    ("rate", "concurrency"),
    [(1, 8), (25, 8), (30, 8), (81, 9), (250, 25), (1000, 100), (1_000_000, 100)],
)
def test_concurrency_follows_the_rate(rate: float, concurrency: int) -> None:
    assert send_concurrency(rate) == concurrency

import asyncio
from typing import Any

import pytest
from aiogram.types import TelegramObject

from bot.middlewares import InFlightMiddleware


async def test_drain_waits_for_updates_in_flight() -> None:
    inflight = InFlightMiddleware()
    release = asyncio.Event()
    finished: list[str] = []

    async def slow_handler(event: TelegramObject, data: dict[str, Any]) -> str:
        await release.wait()
        finished.append("done")
        return "ok"

    task = asyncio.create_task(inflight(slow_handler, TelegramObject(), {}))
    await asyncio.sleep(0)
    assert inflight.in_flight == 1
    assert await inflight.drain(0.05) is False

    release.set()
    assert await inflight.drain(5) is True
    assert finished == ["done"]
    assert await task == "ok"
    assert inflight.in_flight == 0


async def test_drain_counts_failed_updates_out() -> None:
    inflight = InFlightMiddleware()

    async def failing(event: TelegramObject, data: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    with pytest.raises(RuntimeError, match="handler bug"):
        await inflight(failing, TelegramObject(), {})
    assert inflight.in_flight == 0
    assert await inflight.drain(0.01) is True

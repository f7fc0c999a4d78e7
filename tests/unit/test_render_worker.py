"""Pictures are drawn in a process of their own, which survives a crash of a drawing."""

from __future__ import annotations

import asyncio
import gc
import io
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from functools import partial
from typing import Any

import pytest
from PIL import Image

from bot.render import ChartInput, TraitBar, render_profile_chart, worker
from bot.render.worker import BrokenProcessPool, draw, shutdown

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def whose_process() -> bytes:
    """Runs in the worker: its process id."""
    return str(os.getpid()).encode()


def refuse(reason: str) -> bytes:
    raise ValueError(reason)


def die() -> bytes:
    os._exit(3)


@pytest.fixture(autouse=True)
def fresh_worker() -> Iterator[None]:
    shutdown()
    yield
    shutdown()


async def test_a_chart_is_drawn_in_another_process_and_comes_back_as_png() -> None:
    png = await draw(render_profile_chart, ChartInput("t", "s", [TraitBar("Терпение", 50)]))
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.width > 500
    worker = int(await draw(whose_process))
    assert worker != os.getpid()
    assert int(await draw(whose_process)) == worker  # one worker, kept between pictures


async def test_an_error_in_a_drawing_reaches_the_caller_and_the_worker_goes_on() -> None:
    with pytest.raises(ValueError, match="no data"):
        await draw(refuse, "no data")
    assert int(await draw(whose_process)) != os.getpid()


async def test_a_worker_that_dies_fails_its_picture_and_a_new_one_draws_the_next() -> None:
    first = int(await draw(whose_process))
    with pytest.raises(BrokenProcessPool):
        await draw(die)
    second = int(await draw(whose_process))
    assert second not in (first, os.getpid())


class Recording(Executor):
    """An executor that only records what it was handed (or refuses, as a broken pool)."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.handed: list[Callable[[], bytes]] = []
        self.futures: list[Future[Any]] = []
        self.stopped = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.broken:
            raise BrokenProcessPool("the drawing process is gone")
        self.handed.append(partial(fn, *args, **kwargs))
        self.futures.append(Future())
        return self.futures[-1]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.stopped = True


async def test_a_picture_is_handed_over_at_once_and_can_be_called_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`drawing` gives the worker its picture before returning, so the caller's own work
    overlaps the drawing; a picture nobody waits for any more is cancelled."""
    pool = Recording()
    monkeypatch.setattr(worker, "_executor", lambda: pool)
    picture = worker.drawing(refuse, "later")
    assert len(pool.handed) == 1  # handed over, nothing awaited yet
    picture.cancel()
    await asyncio.sleep(0)
    assert pool.futures[0].cancelled()  # the worker will not draw it
    assert not pool.stopped


async def test_a_pool_broken_before_the_hand_over_fails_that_picture_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Recording(broken=True)
    monkeypatch.setattr(worker, "_executor", lambda: broken)
    monkeypatch.setattr(worker, "_pool", broken)
    picture = worker.drawing(whose_process)
    with pytest.raises(BrokenProcessPool):
        await picture
    assert broken.stopped
    assert worker._pool is None  # the next picture starts a fresh worker
    assert "the drawing process died" in caplog.text
    monkeypatch.undo()
    assert int(await draw(whose_process)) != os.getpid()


async def test_a_worker_that_cannot_start_fails_the_picture_not_its_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever stops a picture being handed over (a process that cannot start, a pool
    shut down) is raised where the caller waits for the picture, not where it asked
    for it, so the caller's own work goes on; a caller that gives up on the picture
    leaves no unread error behind."""

    def cannot_start() -> Executor:
        raise OSError("too many open files")

    monkeypatch.setattr(worker, "_executor", cannot_start)
    picture = worker.drawing(whose_process)
    with pytest.raises(OSError, match="too many open files"):
        await picture
    lost: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: lost.append(context))
    try:
        given_up = worker.drawing(whose_process)
        await asyncio.sleep(0)
        assert given_up.done()
        del given_up
        gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert lost == []  # asyncio reports an unread error when its future is collected

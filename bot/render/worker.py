"""Drawing off the bot's process: the event loop never waits for a picture.

A result chart costs about 10 ms of CPU (drawn with Pillow), a statistics chart 0.5 s
(matplotlib), a QR code about 60 ms. In a thread of the bot's own process that time
competes with the event loop for the GIL, so every other student's update waits while
a picture is drawn, and the drawing libraries (matplotlib above all) and their caches
stay in the bot's memory. Here drawing runs in one worker process of its own, started
on the first picture (Python's ``spawn`` start method: a fresh interpreter, nothing of
the bot's state inherited) and used by every application in this process, since the
functions it runs are pure (data in, PNG bytes out). Pictures queue there one after
another, which delays only the student waiting for that picture.

The worker is replaced after ``TASKS_PER_WORKER`` pictures, so whatever matplotlib
(or a cache) keeps grows no further, and after a crash (the next picture starts a new
one).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

__all__ = ["BrokenProcessPool", "draw", "drawing", "shutdown"]
from functools import partial
from typing import ParamSpec

log = logging.getLogger(__name__)

P = ParamSpec("P")

TASKS_PER_WORKER = 200
"""Pictures one worker draws before a fresh one takes over."""

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=TASKS_PER_WORKER,
            )
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def drawing(render: Callable[P, bytes], *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[bytes]:
    """Hand `render` (a module-level function of ``bot.render``) to the worker process
    now, and return the future of its picture: the caller does other work meanwhile.

    The future raises what `render` raised, or why the picture could not be handed
    over (the worker process would not start, say); if the worker died, it raises
    :class:`BrokenProcessPool` and the pool is started afresh on the next call.
    """
    loop = asyncio.get_running_loop()
    pool: ProcessPoolExecutor | None = None
    try:
        pool = _executor()
        future = loop.run_in_executor(pool, partial(render, *args, **kwargs))
    except Exception as exc:  # not handed over: the caller learns it where it waits
        if pool is not None and isinstance(exc, BrokenProcessPool):
            _broken(pool)
        failed: asyncio.Future[bytes] = loop.create_future()
        failed.set_exception(exc)
        failed.add_done_callback(_seen)
        return failed
    future.add_done_callback(partial(_after, pool))
    return future


async def draw(render: Callable[P, bytes], *args: P.args, **kwargs: P.kwargs) -> bytes:
    """`render` run in the worker process, as :func:`drawing`, waited for."""
    return await drawing(render, *args, **kwargs)


def _after(pool: ProcessPoolExecutor, future: asyncio.Future[bytes]) -> None:
    if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
        _broken(pool)


def _seen(future: asyncio.Future[bytes]) -> None:
    """Mark a failure as read: a caller that gave up on the picture (its own work
    failed) leaves no "exception was never retrieved" behind; one that waits still
    gets the exception."""
    future.exception()


def _broken(pool: ProcessPoolExecutor) -> None:
    log.error("the drawing process died; a new one starts with the next picture")
    _forget(pool)


def shutdown() -> None:
    """Stop the worker (tests, and the end of ``careerbot run``); the next call starts one."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)

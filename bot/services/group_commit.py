"""Group commit: calls that arrive while the previous batch runs go as one batch.

At a thousand messages a second, every letter's claim and settle is a statement, and
one statement on its own costs two hand-offs to the SQLite thread and a WAL commit:
that capped the paid broadcast at about half its rate. A :class:`GroupCommit` runs the
first call at once, and gathers the calls made meanwhile into the next batch (one
statement, one transaction). So a batch stays a single call while the database keeps
up and grows by itself when it falls behind; nothing waits on a timer, and a call
returns only once its batch has committed.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")

Run = Callable[[Sequence[K]], Awaitable[Sequence[R]]]


class GroupCommit(Generic[K, R]):
    """`await group(item)` runs `run` over a batch holding `item` and returns its result.

    `run` gets the items in the order they were called and returns one result for
    each, in that order. If it raises, every call of that batch raises the same error;
    the next batch is tried afresh. At most `limit` items go in one batch.
    """

    def __init__(self, run: Run[K, R], *, limit: int = 1000) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[K, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0
        """How many batches ran (for tests and benchmarks)."""

    async def __call__(self, item: K) -> R:
        return await self.submit(item)

    def submit(self, item: K) -> asyncio.Future[R]:
        """Queue `item` for the next batch; the future is its result. The same as a call,
        without a coroutine of its own: for paths that run a thousand times a round."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None:
            # A fresh context: the runner must not inherit the first caller's (a
            # transaction marker, say), since it runs on behalf of every caller.
            self._runner = asyncio.create_task(
                self._run_batches(), name="group-commit", context=contextvars.Context()
            )
        return future

    async def _run_batches(self) -> None:
        batch: list[tuple[K, asyncio.Future[R]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                self.batches += 1
                try:
                    results = await self._run([item for item, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"{len(results)} results for {len(batch)} items")
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for (_, future), result in zip(batch, results, strict=True):
                        if not future.done():  # its caller may have been cancelled
                            future.set_result(result)
                batch = []
        finally:
            self._runner = None
            for _, future in batch + self._waiting:  # cancelled mid-batch (loop shutdown)
                future.cancel()
            self._waiting = []

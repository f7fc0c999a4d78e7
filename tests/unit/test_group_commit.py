"""GroupCommit: calls made while a batch runs go together as the next batch."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence

import pytest

from bot.services.group_commit import GroupCommit


class Recorder:
    """A batch function that notes each batch and waits for `gate` before answering."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_on: int | None = None

    async def __call__(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.fail_on in items:
            raise RuntimeError(f"batch with {self.fail_on} failed")
        return [item * 10 for item in items]


async def test_the_first_call_runs_alone_and_the_calls_made_meanwhile_share_the_next() -> None:
    run = Recorder()
    group = GroupCommit(run)
    run.gate.clear()
    first = asyncio.create_task(group(1))
    await asyncio.sleep(0.01)  # the first batch is running, held at the gate
    rest = [asyncio.create_task(group(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.01)
    run.gate.set()
    assert await first == 10
    assert await asyncio.gather(*rest) == [20, 30, 40]
    assert run.batches == [[1], [2, 3, 4]]
    assert group.batches == 2


async def test_a_batch_holds_at_most_limit_items_in_call_order() -> None:
    run = Recorder()
    group = GroupCommit(run, limit=2)
    results = await asyncio.gather(*(group(n) for n in range(5)))
    assert results == [0, 10, 20, 30, 40]
    assert run.batches == [[0, 1], [2, 3], [4]]


async def test_a_failed_batch_fails_its_own_calls_and_the_next_batch_runs_afresh() -> None:
    run = Recorder()
    run.fail_on = 2
    group = GroupCommit(run, limit=2)
    results = await asyncio.gather(*(group(n) for n in (1, 2, 3)), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert isinstance(results[1], RuntimeError)
    assert results[2] == 30
    assert await group(5) == 50  # and later calls are served as usual


async def test_a_batch_function_that_answers_the_wrong_number_of_results_fails_loudly() -> None:
    async def short(items: Sequence[int]) -> list[int]:
        return [1]

    group = GroupCommit(short)
    results = await asyncio.gather(group(1), group(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) and "1 results for 2" in str(r) for r in results)


async def test_a_cancelled_caller_does_not_disturb_the_others_in_its_batch() -> None:
    run = Recorder()
    group = GroupCommit(run)
    run.gate.clear()
    first = asyncio.create_task(group(1))
    await asyncio.sleep(0.01)
    gone = asyncio.create_task(group(2))
    kept = asyncio.create_task(group(3))
    await asyncio.sleep(0.01)
    gone.cancel()
    run.gate.set()
    assert await first == 10
    assert await kept == 30
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert run.batches == [[1], [2, 3]]


MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="clean")


async def test_the_batches_do_not_run_in_the_first_callers_context() -> None:
    seen: list[str] = []

    async def look(items: Sequence[int]) -> list[None]:
        seen.append(MARK.get())
        return [None] * len(items)

    group: GroupCommit[int, None] = GroupCommit(look)
    MARK.set("inside a transaction")
    await group(1)
    assert seen == ["clean"]


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(Recorder(), limit=0)

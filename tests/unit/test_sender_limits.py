"""The sender's rate limits in virtual time: nothing really sleeps."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable

import pytest
from aiogram.types import MessageId as Sent

from bot.broadcast import Delivered, Sender


class VirtualTime:
    """A clock that jumps to the next sleeper's wake-up once every task is waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), wake))
        await wake

    async def run(self, *jobs: Awaitable[None]) -> None:
        tasks = [asyncio.ensure_future(job) for job in jobs]
        while not all(task.done() for task in tasks):
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers:
                when, _, wake = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                wake.set_result(None)
        for task in tasks:
            task.result()


def sender_in(time: VirtualTime, rate: float = 10, per_chat_interval: float = 1.0) -> Sender:
    return Sender(
        rate=rate,
        per_chat_interval=per_chat_interval,
        sleep=time.sleep,
        monotonic=time.monotonic,
    )


async def send(
    sender: Sender, time: VirtualTime, chat_id: int, log: list[tuple[int, float]]
) -> None:
    async def call() -> Sent:
        log.append((chat_id, time.now))
        return Sent(message_id=len(log))

    assert isinstance(await sender.deliver(call, chat_id), Delivered)


async def test_two_sends_to_one_chat_are_a_second_apart() -> None:
    time = VirtualTime()
    sender = sender_in(time)
    log: list[tuple[int, float]] = []
    await time.run(send(sender, time, 1, log))
    await time.run(send(sender, time, 1, log))
    assert [at for _, at in log] == pytest.approx([0.0, 1.0])


async def test_a_chat_waiting_for_its_turn_does_not_hold_up_other_chats() -> None:
    time = VirtualTime()
    sender = sender_in(time)
    log: list[tuple[int, float]] = []
    await time.run(*(send(sender, time, chat, log) for chat in (1, 1, 1, 2, 3, 4)))
    starts: dict[int, list[float]] = {}
    for chat, at in log:
        starts.setdefault(chat, []).append(at)
    # The other chats take the global slots right after chat 1's first send...
    assert starts[2] == pytest.approx([0.1])
    assert starts[3] == pytest.approx([0.2])
    assert starts[4] == pytest.approx([0.3])
    # ...while chat 1 waits a second between its own sends.
    assert starts[1] == pytest.approx([0.0, 1.0, 2.0])
    # The global rate still holds across all of them.
    stamps = sorted(at for _, at in log)
    assert all(b - a >= 0.1 - 1e-9 for a, b in itertools.pairwise(stamps))


async def test_many_chats_at_the_full_rate_are_not_slowed_down() -> None:
    time = VirtualTime()
    sender = sender_in(time, rate=1000)
    log: list[tuple[int, float]] = []
    await time.run(*(send(sender, time, chat, log) for chat in range(500)))
    assert time.now == pytest.approx(0.499)


async def test_the_per_chat_limit_can_be_turned_off() -> None:
    time = VirtualTime()
    sender = sender_in(time, per_chat_interval=0)
    log: list[tuple[int, float]] = []
    await time.run(*(send(sender, time, 1, log) for _ in range(3)))
    assert [at for _, at in log] == pytest.approx([0.0, 0.1, 0.2])
    assert sender.tracked_chats == 0


async def test_chats_idle_for_longer_than_the_interval_are_forgotten() -> None:
    time = VirtualTime()
    sender = sender_in(time, rate=100)
    log: list[tuple[int, float]] = []
    for chat in range(1000):  # 10 seconds of sends to 1000 different chats
        await time.run(send(sender, time, chat, log))
    # Only the chats that sent within about the last second are remembered (100 a
    # second, give or take one at each end of the window).
    assert 99 <= sender.tracked_chats <= 102
    time.now += 5
    await time.run(send(sender, time, 5000, log))
    assert sender.tracked_chats == 1


def test_a_negative_per_chat_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="per_chat_interval"):
        Sender(per_chat_interval=-1)

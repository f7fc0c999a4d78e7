"""The delivery loop with fake sources and a fake Bot API: no database, no network."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.types import MessageId

from bot.broadcast import Sender
from bot.clock import FrozenClock
from bot.services.delivery import Delivery, Letter, Source, SourceReport, send_concurrency

Event = tuple[str, object]


class FakeBot:
    """Answers every sendMessage at once and notes it in the shared event log."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> MessageId:
        self.events.append(("send", chat_id))
        return MessageId(message_id=len(self.events))


class Batches:
    """A source that hands out its letters a batch per collect, like a broadcast."""

    def __init__(self, name: str, batches: list[list[int]], events: list[Event]) -> None:
        self.name = name
        self.batches = batches
        self.events = events
        self.collects = 0

    async def recover(self) -> None:
        return None

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        self.collects += 1
        self.events.append(("collect", self.name))
        batch = self.batches.pop(0) if self.batches else []
        return [Letter(chat, f"{self.name} for {chat}") for chat in batch]


class Refusing:
    """A source whose one letter is always refused at claim time and comes back."""

    name = "refusing"

    def __init__(self) -> None:
        self.collects = 0
        self.releases = 0

    async def recover(self) -> None:
        return None

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        self.collects += 1

        async def refuse() -> bool:
            return False

        async def release() -> None:
            self.releases += 1

        return [Letter(9, "never", claim=refuse, release=release)]


class Endless:
    """A source that always has one more letter; optionally each collect waits for a gate."""

    name = "endless"

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.collects = 0
        self.collecting = asyncio.Event()

    async def recover(self) -> None:
        return None

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        self.collects += 1
        self.collecting.set()
        if self.gate is not None:
            await self.gate.wait()
        return [Letter(1000 + self.collects, "more")]


class Gated:
    """A source with nothing to send, whose collect waits until the test opens the gate."""

    name = "gated"

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.collects = 0

    async def recover(self) -> None:
        return None

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        self.collects += 1
        await self.gate.wait()
        return []


def delivery(sources: Sequence[Source], events: list[Event] | None = None, **kw: Any) -> Delivery:
    async def blocked(chat_id: int) -> None:
        raise AssertionError("nobody blocks the fake bot")

    return Delivery(
        bot=FakeBot(events if events is not None else []),  # type: ignore[arg-type]
        sender=Sender(rate=1_000_000, per_chat_interval=0),
        sources=sources,
        on_blocked=blocked,
        clock=FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        **kw,
    )


def rounds(events: list[Event], first: str) -> list[tuple[list[object], set[object]]]:
    """The event log cut into rounds, each starting at `first`'s collect: (collects, sends)."""
    cut: list[tuple[list[object], set[object]]] = []
    for kind, what in events:
        if (kind, what) == ("collect", first):
            cut.append(([], set()))
        collects, sends = cut[-1]
        if kind == "collect":
            collects.append(what)
        else:
            sends.add(what)
    return cut


def woken() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "delivery-wake" and not t.done()]


async def settle_down() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("rate", "concurrency"),
    [(1, 8), (25, 8), (30, 8), (81, 9), (250, 25), (1000, 100), (1_000_000, 100)],
)
def test_concurrency_follows_the_rate(rate: float, concurrency: int) -> None:
    assert send_concurrency(rate) == concurrency


async def test_a_source_with_three_batches_is_drained_in_one_tick() -> None:
    events: list[Event] = []
    news = Batches("news", [[1, 2], [3, 4], [5, 6]], events)
    report = await delivery([news], events).tick()
    assert report.of("news").sent == 6
    sends = [chat for kind, chat in events if kind == "send"]
    assert len(sends) == 6
    assert set(sends) == {1, 2, 3, 4, 5, 6}
    assert news.collects == 4  # three batches, then one that comes back empty


async def test_tips_take_their_turn_between_the_batches() -> None:
    events: list[Event] = []
    tips = Batches("tips", [[101], [], [103]], events)
    news = Batches("news", [[1, 2], [3, 4], [5, 6]], events)
    report = await delivery([tips, news], events).tick()
    assert rounds(events, "tips") == [
        (["tips", "news"], {101, 1, 2}),
        (["tips", "news"], {3, 4}),
        (["tips", "news"], {103, 5, 6}),
        (["tips", "news"], set()),
    ]
    assert report.of("tips").sent == 2
    assert report.of("news").sent == 6


async def test_a_source_whose_letters_are_all_refused_does_not_spin() -> None:
    events: list[Event] = []
    refusing = Refusing()
    news = Batches("news", [[1], [2], [3]], events)
    report = await delivery([refusing, news], events).tick()
    assert refusing.collects == 1  # refused once, then left for the next tick
    assert refusing.releases == 1
    assert report.of("news").sent == 3

    alone = Refusing()
    await delivery([alone]).tick()
    assert alone.collects == 1


async def test_a_tick_stops_after_its_rounds(caplog: pytest.LogCaptureFixture) -> None:
    endless = Endless()
    with caplog.at_level(logging.WARNING):
        report = await delivery([endless], max_rounds=5).tick()
    assert endless.collects == 5
    assert report.of("endless").sent == 5
    assert "stopped after 5 rounds" in caplog.text


async def test_a_failing_source_sits_out_the_rest_of_the_tick() -> None:
    events: list[Event] = []

    class Broken:
        name = "broken"
        collects = 0

        async def recover(self) -> None:
            return None

        async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
            self.collects += 1
            raise RuntimeError("the database is gone")

    broken = Broken()
    report = await delivery([broken, Batches("news", [[1], [2]], events)], events).tick()
    assert broken.collects == 1
    assert report.errors == ["broken: the database is gone"]
    assert report.of("news").sent == 2


async def test_wake_starts_one_tick_and_a_second_wake_makes_it_look_again() -> None:
    gated = Gated()
    d = delivery([gated])
    d.wake()
    await settle_down()
    assert d.running
    assert gated.collects == 1
    (task,) = woken()

    d.wake()  # while the tick runs: no second tick...
    await settle_down()
    assert woken() == [task]
    assert gated.collects == 1

    gated.gate.set()
    await task
    assert gated.collects == 2  # ...but the running one looked once more before ending
    assert not d.running

    d.wake()  # idle again: a new tick
    (again,) = woken()
    await again
    assert gated.collects == 3


async def test_shutdown_lets_the_round_finish_and_starts_no_other() -> None:
    endless = Endless(gate=asyncio.Event())
    d = delivery([endless])
    tick = asyncio.create_task(d.tick())
    await endless.collecting.wait()
    stopping = asyncio.create_task(d.wait_idle(5))
    await settle_down()
    assert not stopping.done()  # the round is still collecting
    assert endless.gate is not None
    endless.gate.set()
    await stopping
    report = await tick
    assert endless.collects == 1
    assert report.of("endless").sent == 1  # the round that was under way was sent
    d.wake()
    assert woken() == []
    assert not (await d.tick()).sources

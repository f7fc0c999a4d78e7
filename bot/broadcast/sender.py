"""The one way to send a message to many people.

- A global rate limit (Telegram allows about 30 messages a second to different
  chats, up to 1000 with paid broadcasts): sends are spaced at least `1 / rate`
  seconds apart, across all callers.
- A per-chat limit (Telegram allows about one message a second to one chat): a send
  to a chat starts at least `per_chat_interval` seconds after the previous send to
  the same chat started, whichever caller made it. A send waiting for its chat takes
  no global slot meanwhile, so other chats are not held up.
- 429: `retry_after` is honoured for everyone (the whole sender pauses), then the
  same message is tried again.
- 403 (blocked, deactivated, kicked): reported as Blocked, never retried.
- Network errors and 5xx: retried with exponential backoff, then reported as Failed.
- Any other 400, or any other error aiogram raises (401, 404, an unparsable
  answer from a proxy): reported as Failed at once (retrying cannot help).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Sent(Protocol):
    """What a send method returns: a Message, or the MessageId of copyMessage."""

    @property
    def message_id(self) -> int: ...


# The outcomes are not frozen only because a frozen dataclass takes three times as long
# to build, and the delivery builds one per letter, thousands a round. Nobody changes one.
@dataclass(slots=True)
class Delivered:
    message_id: int


@dataclass(slots=True)
class Blocked:
    reason: str


@dataclass(slots=True)
class Failed:
    reason: str


SendOutcome = Delivered | Blocked | Failed


class Sender:
    def __init__(
        self,
        rate: float = 25.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_retry_after: float = 3600.0,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] | None = None,
        per_chat_interval: float = 1.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if per_chat_interval < 0:
            raise ValueError("per_chat_interval must not be negative")
        self._rate = rate
        self._interval = 1.0 / rate
        self._per_chat = per_chat_interval
        self._retries = retries
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._now = monotonic
        self._next_slot = 0.0
        self._paused_until = 0.0
        # chat id -> when the latest send to it starts (planned as its slot is taken). Starts
        # only grow, and a chat moves to the end when it sends again, so the oldest entry
        # is always first: pruning pops from the front while it is older than the
        # interval, which keeps about `rate * per_chat_interval` entries at most.
        self._chat_starts: OrderedDict[int, float] = OrderedDict()

    @property
    def rate(self) -> float:
        """Messages per second across all chats."""
        return self._rate

    def _clock(self) -> float:
        if self._now is not None:
            return self._now()
        return asyncio.get_running_loop().time()

    def _take_slot(self, chat_id: int, now: float, ready: float) -> float | None:
        """Plan a send to `chat_id` asked for at `now`: its start, its global slot taken,
        or None (nothing taken) while its chat is not free by then. `ready` is when the
        chat was last seen to be free (0 at first). No await in it, so on the one event
        loop it is atomic without a lock: each caller plans its start the moment it
        asks, instead of waiting its turn at a lock that hands over once per loop
        iteration (which, at a thousand a second on a busy loop, lost slots)."""
        chats = self._chat_starts
        # Forget chats idle for longer than the interval: the oldest entry comes first.
        while chats and next(iter(chats.values())) + self._per_chat <= now:
            chats.popitem(last=False)
        start = max(now, self._next_slot, self._paused_until, ready)
        last = chats.get(chat_id)
        if last is not None and last + self._per_chat > start:
            return None
        self._next_slot = start + self._interval
        if self._per_chat > 0:
            chats[chat_id] = start
            chats.move_to_end(chat_id)
        return start

    async def _wait_for_chat(self, chat_id: int, now: float) -> tuple[float, float]:
        """The caller's chat was not free at `now`: sleep, holding no global slot, until
        it is, then take a slot as usual. The time after the sleep, and the slot's start."""
        while True:
            ready = self._chat_starts[chat_id] + self._per_chat
            await self._sleep(ready - now)
            now = self._clock()
            start = self._take_slot(chat_id, now, ready)
            if start is not None:
                return now, start

    @property
    def tracked_chats(self) -> int:
        """How many chats the per-chat limit remembers (those that sent recently)."""
        return len(self._chat_starts)

    async def deliver(self, call: Callable[[], Awaitable[Sent]], chat_id: int) -> SendOutcome:
        """Run one send call (e.g. `lambda: bot.send_message(...)`) under the rules above."""
        failures = 0
        while True:
            # Wait for the turn under the global rate limit, the chat's limit and any 429
            # pause. The common case, a free chat and a slot now, awaits nothing.
            now = self._clock()
            start = self._take_slot(chat_id, now, 0.0)
            if start is None:
                now, start = await self._wait_for_chat(chat_id, now)
            if start > now:
                await self._sleep(start - now)
            try:
                message = await call()
            except TelegramRetryAfter as exc:
                wait = min(float(exc.retry_after), self._max_retry_after)
                log.warning("429 for chat %d: everyone waits %.0fs", chat_id, wait)
                self._paused_until = max(self._paused_until, self._clock() + wait)
                continue
            except TelegramForbiddenError as exc:
                return Blocked(exc.message)
            except (TelegramNetworkError, TelegramServerError) as exc:
                failures += 1
                if failures > self._retries:
                    log.warning("giving up on chat %d after %d tries: %s", chat_id, failures, exc)
                    return Failed(str(exc))
                await self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            except TelegramBadRequest as exc:
                log.warning("chat %d refused the message: %s", chat_id, exc.message)
                return Failed(exc.message)
            except AiogramError as exc:  # 401, 404, 409, an unparsable answer...
                log.error("sending to chat %d failed: %s: %s", chat_id, type(exc).__name__, exc)
                return Failed(f"{type(exc).__name__}: {exc}")
            return Delivered(message.message_id)

    async def send_message(self, bot: Bot, chat_id: int, text: str, **kwargs: Any) -> SendOutcome:
        async def call() -> Message:
            message: Message = await bot.send_message(chat_id, text, **kwargs)
            return message

        return await self.deliver(call, chat_id)

"""Pushing updates to the bot's webhook, as Telegram does once setWebhook is called.

Each update is POSTed as JSON with the secret token in `X-Telegram-Bot-Api-Secret-Token`.
A 2xx answer delivers it; anything else, or no answer, keeps it and tries again a little
later (Telegram backs off for longer), recording the error for getWebhookInfo. Updates of
one chat go one at a time, in order; other chats' go alongside, up to max_connections.
A reply that is itself a Bot API call (a method in the answer's JSON or form) is run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.emulator.server import ApiServer
from bot.emulator.state import EmuState, Webhook, now, update_chat

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
FIRST_RETRY = 0.1
LAST_RETRY = 2.0
PUSH_TIMEOUT = 60.0


@dataclass(frozen=True)
class Delivery:
    """One push of an update: the HTTP status, or the error when nothing answered."""

    update_id: int
    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookPusher:
    def __init__(self, state: EmuState, server: ApiServer) -> None:
        self.state = state
        self.server = server
        self.deliveries: list[Delivery] = []
        self._in_flight: set[int] = set()
        self._busy_chats: set[int | None] = set()
        self._retry_at: dict[int | None, tuple[float, float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PUSH_TIMEOUT)) as http:
            try:
                while not self.state.stopping:
                    await self.state.wait_until(self._has_work, 0.05)
                    hook = self.state.webhook
                    if hook is None or self.state.stopping:
                        continue
                    for update in self._due(hook):
                        task = asyncio.create_task(self._push(http, hook, update))
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    def _has_work(self) -> bool:
        hook = self.state.webhook
        return self.state.stopping or (hook is not None and bool(self._due(hook, peek=True)))

    def _due(self, hook: Webhook, *, peek: bool = False) -> list[dict[str, Any]]:
        """Updates to push now: the first waiting one of each chat that is free."""
        loop = asyncio.get_running_loop()
        state = self.state
        if not peek:
            state.updates = [u for u in state.updates if state.allowed(u)]
        due: list[dict[str, Any]] = []
        seen: set[int | None] = set()
        room = hook.max_connections - len(self._in_flight)
        for update in state.updates:
            chat = update_chat(update)
            if chat in seen or len(due) >= room:
                continue
            seen.add(chat)
            if not state.allowed(update) or update["update_id"] in self._in_flight:
                continue
            if chat in self._busy_chats or self._retry_at.get(chat, (0.0, 0.0))[0] > loop.time():
                continue
            due.append(update)
            if not peek:
                self._in_flight.add(update["update_id"])
                self._busy_chats.add(chat)
        return due

    async def _push(
        self, http: aiohttp.ClientSession, hook: Webhook, update: dict[str, Any]
    ) -> None:
        chat = update_chat(update)
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        reply: dict[str, Any] | None = None
        try:
            async with http.post(hook.url, json=update, headers=headers) as response:
                delivery = Delivery(update["update_id"], response.status)
                if delivery.delivered:
                    reply = await _reply(response)
                else:
                    delivery = Delivery(
                        update["update_id"],
                        response.status,
                        f"Wrong response from the webhook: {response.status} {response.reason}",
                    )
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery = Delivery(update["update_id"], None, _connection_error(exc))
        finally:
            self._in_flight.discard(update["update_id"])
            self._busy_chats.discard(chat)
        self.deliveries.append(delivery)
        if delivery.delivered:
            self._retry_at.pop(chat, None)
            self.state.acknowledge(update["update_id"])
            if reply is not None:
                method = str(reply.pop("method"))
                await self.server.call(method, reply)
            return
        logger.debug("webhook push of update %d failed: %s", update["update_id"], delivery.error)
        hook.last_error_date = now()
        hook.last_error_message = delivery.error
        wait = min(self._retry_at.get(chat, (0.0, FIRST_RETRY / 2))[1] * 2, LAST_RETRY)
        self._retry_at[chat] = (asyncio.get_running_loop().time() + wait, wait)
        self.state.notify()


def _connection_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Read timeout expired"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "Connection refused"
    return f"Connection failed: {type(exc).__name__}"


async def _reply(response: aiohttp.ClientResponse) -> dict[str, Any] | None:
    """A Bot API call the webhook answered with (aiogram sends it as a form), if any."""
    if response.content_type == "multipart/form-data":
        fields: dict[str, Any] = {}
        reader = aiohttp.MultipartReader.from_response(response)
        while (part := await reader.next()) is not None:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                fields[part.name] = await part.text()
        return fields if "method" in fields else None
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = await response.json()
            if isinstance(body, dict) and isinstance(body.get("method"), str):
                return body
    return None

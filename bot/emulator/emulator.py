"""``Emulator``: a local Telegram Bot API server plus the in-process controls tests drive it with.

The bot talks real HTTP to it (long polling included) while tests act as users, inspect what
the bot sent and inject faults, all on the same event loop.
"""

# The public waiting API takes plain seconds (timeout=...), as the test helpers document.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from bot.emulator.api import BotApi
from bot.emulator.errors import EmulatorError, not_found
from bot.emulator.formatting import FormattedText, format_text
from bot.emulator.media import fake_ogg, fake_webp_sticker, image_extension, image_size, tiny_png
from bot.emulator.media import photo_sizes as _photo_sizes
from bot.emulator.models import ApiCall, ChatEvent, EmuMedia, EmuMessage, EmuUser, Fault, FaultRule
from bot.emulator.server import MAX_REQUEST_BYTES, ApiFailure, ApiServer, error_response
from bot.emulator.state import EmuState, Webhook
from bot.emulator.webhook import Delivery, WebhookPusher

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer

DEFAULT_TOKEN = "123456:TEST-token-of-the-local-emulator"  # noqa: S105 - a fake token


@web.middleware
async def _json_not_found(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        return error_response(not_found())
    return response


def _bot_id_from_token(token: str) -> int:
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else 123456


class Emulator:
    """A fake Telegram: serve ``base_url`` to an aiogram Bot and play its users."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "careerbot_test_bot",
        bot_first_name: str = "CareerBot",
        *,
        callback_query_ttl: float | None = 15.0,
        max_poll_timeout: float = 50.0,
    ) -> None:
        self.token = token
        self._state = EmuState(
            token=token,
            bot_id=bot_id if bot_id is not None else _bot_id_from_token(token),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            callback_query_ttl=callback_query_ttl,
        )
        self._api = BotApi(self._state, max_poll_timeout=max_poll_timeout)
        self._server = ApiServer(self._state, self._api)
        self._pusher = WebhookPusher(self._state, self._server)
        self._pushing: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (for TelegramAPIServer.from_base)."""
        if self._base_url is None:
            raise EmulatorError("the emulator is not running: await emu.start() first")
        return self._base_url

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self._state.bot_user)

    def build_app(self) -> web.Application:
        from bot.emulator.control import install_control

        app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[_json_not_found])
        self._server.install(app)
        install_control(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 picks a free port); returns base_url."""
        if self._runner is not None:
            raise EmulatorError("the emulator is already running")
        self._state.stopping = False
        runner = web.AppRunner(
            self.build_app(), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        bound_port = int(runner.addresses[0][1])
        url_host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self._runner = runner
        self._base_url = f"http://{url_host}:{bound_port}"
        self._pushing = asyncio.create_task(self._pusher.run())
        return self._base_url

    async def stop(self) -> None:
        """Release waiting long polls at once, then close the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._state.stopping = True
        self._state.notify()
        await asyncio.sleep(0)  # let released polls answer before connections close
        if self._pushing is not None:
            self._pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pushing
            self._pushing = None
        await runner.cleanup()
        self._base_url = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def api_server(self) -> TelegramAPIServer:
        """aiogram's server description pointing at this emulator."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    def make_bot(self, **bot_kwargs: Any) -> Bot:
        """An aiogram Bot wired to this emulator (its session closes without the 250 ms pause
        aiogram adds for TLS). Close it with ``await bot.session.close()``."""
        from bot.emulator.aiogram_session import make_bot

        return make_bot(self.token, self.api_server(), **bot_kwargs)

    # ----------------------------------------------------------------- simulated users

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmuUser:
        """Create the user (and their private chat) or update the given profile fields."""
        return self._state.ensure_user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        reply_to: int | None = None,
    ) -> EmuMessage:
        """The user writes ``text`` to the bot; commands, links and mentions get entities."""
        self.user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        formatted = format_text(text)
        if not formatted.text:
            raise EmulatorError("Telegram clients cannot send an empty message")
        return self._state.add_user_message(
            user_id, reply_to_id=reply_to, text=formatted.text, entities=formatted.entities
        )

    def add_group(self, group_id: int, *, title: str = "Group", added_by: int) -> None:
        """Put the bot into a group chat (a negative id) so group updates can be simulated."""
        self._state.add_group(group_id, title, added_by)

    async def send_group_text(
        self, group_id: int, text: str, *, sender: dict[str, Any] | None = None, user_id: int = 0
    ) -> EmuMessage:
        """Someone writes ``text`` in a group: user `user_id`, or any raw `sender` object
        (e.g. ``{"id": 1087968824, "is_bot": True, "first_name": "Group",
        "username": "GroupAnonymousBot"}``)."""
        if sender is None:
            sender = self.user(user_id).to_api()
        formatted = format_text(text)
        return self._state.add_group_message(
            group_id, sender, text=formatted.text, entities=formatted.entities
        )

    def inject_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a raw update of any kind (``channel_post``, ...); returns its update_id."""
        return self._state.enqueue(kind, payload)

    def _caption(self, caption: str | None) -> FormattedText:
        return format_text(caption or "")

    async def send_photo(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> EmuMessage:
        """The user sends a photo (a small generated PNG unless ``data`` is given)."""
        data = data if data is not None else tiny_png(64, 48)
        size = image_size(data)
        if size is None:
            raise EmulatorError("send_photo needs PNG, JPEG, GIF or WebP bytes")
        self.user(user_id)
        files = [
            self._state.store_file(
                "photo", data, extension=image_extension(data), width=w, height=h
            )
            for w, h in _photo_sizes(*size)
        ]
        media = self._state.register_media(EmuMedia(kind="photo", files=files))
        formatted = self._caption(caption)
        return self._state.add_user_message(
            user_id,
            reply_to_id=reply_to,
            media=media,
            caption=formatted.text or None,
            caption_entities=formatted.entities,
        )

    async def send_document(
        self,
        user_id: int,
        data: bytes = b"hello\n",
        *,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> EmuMessage:
        """The user sends a file."""
        self.user(user_id)
        suffix = file_name[file_name.rfind(".") :] if "." in file_name else ""
        stored = self._state.store_file("document", data, extension=suffix.lower())
        media = self._state.register_media(
            EmuMedia(kind="document", files=[stored], file_name=file_name, mime_type=mime_type)
        )
        formatted = self._caption(caption)
        return self._state.add_user_message(
            user_id,
            media=media,
            caption=formatted.text or None,
            caption_entities=formatted.entities,
        )

    async def send_sticker(
        self, user_id: int, *, emoji: str = "👍", set_name: str | None = "CareerBotTestPack"
    ) -> EmuMessage:
        """The user sends a (static, 512x512) sticker."""
        self.user(user_id)
        stored = self._state.store_file(
            "sticker", fake_webp_sticker(), extension=".webp", width=512, height=512
        )
        media = self._state.register_media(
            EmuMedia(kind="sticker", files=[stored], emoji=emoji, set_name=set_name)
        )
        return self._state.add_user_message(user_id, media=media)

    async def send_voice(
        self, user_id: int, *, duration: int = 3, data: bytes | None = None
    ) -> EmuMessage:
        """The user records a voice message."""
        self.user(user_id)
        stored = self._state.store_file(
            "voice", data if data is not None else fake_ogg(duration), extension=".oga"
        )
        media = self._state.register_media(
            EmuMedia(kind="voice", files=[stored], duration=duration, mime_type="audio/ogg")
        )
        return self._state.add_user_message(user_id, media=media)

    async def press(self, user_id: int, message_id: int, callback_data: str) -> str:
        """The user taps an inline button; returns the callback query id.

        Raises UnknownMessageError if the chat has no such (undeleted) message.
        """
        return self._state.press(user_id, message_id, callback_data)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        query = self._state.queries.get(query_id)
        if query is None:
            raise EmulatorError(f"no callback query {query_id!r} was made")
        return dict(query.answer) if query.answer is not None else None

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The answerCallbackQuery parameters (text, show_alert, url, cache_time)."""
        query = self._state.queries.get(query_id)
        if query is None:
            raise EmulatorError(f"no callback query {query_id!r} was made")
        if not await self._state.wait_until(lambda: query.answer is not None, timeout):
            raise TimeoutError(
                f"the bot did not answer callback query {query_id} (data={query.data!r}, "
                f"message #{query.message_id} in chat {query.chat_id}) within {timeout}s"
                + self._failures_note(query.chat_id)
            )
        assert query.answer is not None
        return dict(query.answer)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat get 403 (and my_chat_member is sent)."""
        self._state.set_blocked(user_id, blocked=True)

    def unblock(self, user_id: int) -> None:
        self._state.set_blocked(user_id, blocked=False)

    def is_blocked(self, user_id: int) -> bool:
        chat = self._state.chats.get(user_id)
        return chat is not None and chat.blocked

    # ----------------------------------------------------------------- inspection

    def messages(self, chat_id: int) -> list[EmuMessage]:
        """Every message of the chat, user's and bot's, in order."""
        chat = self._state.chats.get(chat_id)
        return list(chat.messages.values()) if chat else []

    def bot_messages(self, chat_id: int) -> list[EmuMessage]:
        return self._state.bot_messages(chat_id)

    def get_message(self, chat_id: int, message_id: int) -> EmuMessage:
        """Current state of a message (edits applied, ``deleted`` set)."""
        return self._state.get_message(chat_id, message_id)

    def _bot_messages_after(self, chat_id: int, after: int) -> list[EmuMessage]:
        return [m for m in self._state.bot_messages(chat_id) if m.message_id > after]

    async def wait_bot_messages(
        self,
        chat_id: int,
        count: int = 1,
        after: int | None = None,
        timeout: float = 5.0,
    ) -> list[EmuMessage]:
        """The first ``count`` bot messages with message_id > ``after`` (all if None).

        Raises TimeoutError describing what did arrive.
        """
        floor = after or 0
        arrived = await self._state.wait_until(
            lambda: len(self._bot_messages_after(chat_id, floor)) >= count, timeout
        )
        got = self._bot_messages_after(chat_id, floor)
        if not arrived:
            raise TimeoutError(self.describe_wait(chat_id, count, floor, timeout, got))
        return got[:count]

    def describe_wait(
        self,
        chat_id: int,
        count: int,
        after: int,
        timeout: float,
        got: list[EmuMessage],
    ) -> str:
        lines = [
            f"expected {count} bot message(s) in chat {chat_id} after message #{after} "
            f"within {timeout}s, got {len(got)}"
        ]
        history = self.messages(chat_id)[-12:]
        if history:
            lines.append("chat history (last 12):")
            lines.extend(f"  {m.summary()}" for m in history)
        else:
            lines.append("the chat has no messages")
        return "\n".join(lines) + self._failures_note(chat_id)

    def _failures_note(self, chat_id: int) -> str:
        recent = [
            f
            for f in self._server.failures[-50:]
            if f.call.params.get("chat_id") in (chat_id, None)
        ][-5:]
        if not recent:
            return ""
        lines = ["", "recent Bot API errors returned to the bot:"]
        lines.extend(f"  {f.call.method}: {f.error_code} {f.description}" for f in recent)
        return "\n".join(lines)

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,
        description: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` holds; it is re-checked after every change in the emulator."""
        if not await self._state.wait_until(predicate, timeout):
            raise TimeoutError(f"{description} did not happen within {timeout}s")

    def commands(
        self, scope: str | dict[str, Any] = "default", language_code: str = ""
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for a scope type (or scope object) and language."""
        if isinstance(scope, dict):
            key = str(scope.get("type", "default"))
            if "chat_id" in scope:
                key += f":{scope['chat_id']}"
            if "user_id" in scope:
                key += f":{scope['user_id']}"
        else:
            key = scope
        return [dict(c) for c in self._state.commands.get((key, language_code), [])]

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        if chat_id is None:
            return self._state.default_menu_button
        chat = self._state.chats.get(chat_id)
        return chat.menu_button if chat else None

    def chat_actions(self, chat_id: int) -> list[str]:
        chat = self._state.chats.get(chat_id)
        return list(chat.actions) if chat else []

    def subscribe(self, chat_id: int | None = None) -> asyncio.Queue[ChatEvent]:
        """A queue of new/edit/delete events for one chat (or all chats with None)."""
        return self._state.subscribe(chat_id)

    def unsubscribe(self, queue: asyncio.Queue[ChatEvent]) -> None:
        self._state.unsubscribe(queue)

    @property
    def calls(self) -> list[ApiCall]:
        """Every Bot API call received, in order, as (method, params)."""
        return self._state.calls

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self._state.calls if c.method.lower() == method.lower()]

    @property
    def failures(self) -> list[ApiFailure]:
        """Every error answer given to the bot, as (call, error_code, description)."""
        return self._server.failures

    @property
    def webhook(self) -> Webhook | None:
        """The webhook setWebhook registered (None: the bot polls), with its last error."""
        return self._state.webhook

    @property
    def deliveries(self) -> list[Delivery]:
        """Every push of an update to the webhook, in order, with its HTTP status."""
        return self._pusher.deliveries

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot through getUpdates' offset."""
        return list(self._state.updates)

    # ----------------------------------------------------------------- faults

    def add_fault(self, fault: Fault) -> FaultRule:
        return self._state.add_fault(fault)

    def remove_fault(self, rule: FaultRule | Fault | int) -> None:
        self._state.remove_fault(rule)

    def clear_faults(self) -> None:
        self._state.faults.clear()

    @property
    def faults(self) -> list[FaultRule]:
        return list(self._state.faults)

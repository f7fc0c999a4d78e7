"""The emulator's in-memory world: users, chats, messages, files, updates, callback queries.

Everything here is synchronous and runs on the event loop thread; changes wake waiters (long
polls, test helpers) through one notification hook instead of per-feature events.
"""

# The public waiting API takes plain seconds (timeout=...), as the test helpers document.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.errors import QUERY_TOO_OLD, EmulatorError, UnknownMessageError, bad_request
from bot.emulator.media import new_file_ids
from bot.emulator.models import (
    ApiCall,
    ChatEvent,
    EmuMedia,
    EmuMessage,
    EmuUser,
    EventKind,
    Fault,
    FaultRule,
    StoredFile,
)

# getUpdates without allowed_updates delivers everything except these (Bot API default).
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_FILE_FOLDERS = {
    "photo": "photos",
    "document": "documents",
    "voice": "voice",
    "sticker": "stickers",
}


def now() -> int:
    return int(time.time())


@dataclass(eq=False)
class ChatState:
    user: EmuUser
    messages: dict[int, EmuMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    started: bool = False  # the user has written to the bot, so the bot may write back
    actions: list[str] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None
    group_id: int | None = None
    """Set for a group chat (negative id); `user` is then the member who added the bot."""
    title: str | None = None

    @property
    def id(self) -> int:
        return self.group_id if self.group_id is not None else self.user.id

    def chat_api(self) -> dict[str, Any]:
        if self.group_id is None:
            return self.user.chat_api()
        return {"id": self.group_id, "title": self.title or "Group", "type": "supergroup"}


@dataclass(eq=False)
class QueryState:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: dict[str, Any] | None = None


def update_kind(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


def update_chat(update: dict[str, Any]) -> int | None:
    """The chat an update is about (a webhook gets one chat's updates one at a time)."""
    body = update[update_kind(update)]
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("chat"), dict):
        return int(body["chat"]["id"])
    message = body.get("message")
    if isinstance(message, dict) and isinstance(message.get("chat"), dict):
        return int(message["chat"]["id"])
    sender = body.get("from")
    return int(sender["id"]) if isinstance(sender, dict) else None


@dataclass
class Webhook:
    """Where setWebhook asked updates to be pushed, and how the last push went."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class EmuState:
    def __init__(
        self,
        *,
        token: str,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        callback_query_ttl: float | None,
    ) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.callback_query_ttl = callback_query_ttl
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.media_by_file_id: dict[str, EmuMedia] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] | None = None
        self.webhook: Webhook | None = None
        self.queries: dict[str, QueryState] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.default_menu_button: dict[str, Any] | None = None
        self.faults: list[FaultRule] = []
        self.calls: list[ApiCall] = []
        self.stopping = False
        self.poll_generation = 0
        self._next_fault_id = 1
        self._next_query = 1
        self._file_counter = 0
        self._subscribers: list[tuple[int | None, asyncio.Queue[ChatEvent]]] = []
        self._waiters: set[asyncio.Future[None]] = set()

    # ----------------------------------------------------------------- waking waiters

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds (checked after every change); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
        return True

    def subscribe(self, chat_id: int | None) -> asyncio.Queue[ChatEvent]:
        queue: asyncio.Queue[ChatEvent] = asyncio.Queue()
        self._subscribers.append((chat_id, queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ChatEvent]) -> None:
        self._subscribers = [(c, q) for c, q in self._subscribers if q is not queue]

    def _emit(self, kind: EventKind, message: EmuMessage) -> None:
        event = ChatEvent(kind=kind, message=message)
        for chat_id, queue in self._subscribers:
            if chat_id is None or chat_id == message.chat_id:
                queue.put_nowait(event)
        self.notify()

    # ----------------------------------------------------------------- users and chats

    def ensure_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmuUser:
        if user_id <= 0:
            raise EmulatorError("simulated users need a positive id (their private chat id)")
        user = self.users.get(user_id)
        if user is None:
            user = EmuUser(
                id=user_id,
                first_name=first_name or f"User{user_id}",
                last_name=last_name,
                username=username,
                language_code=language_code or "ru",
            )
            self.users[user_id] = user
            self.chats[user_id] = ChatState(user=user)
            return user
        if first_name is not None:
            user.first_name = first_name
        if last_name is not None:
            user.last_name = last_name
        if username is not None:
            user.username = username
        if language_code is not None:
            user.language_code = language_code
        return user

    def chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise EmulatorError(f"chat {chat_id} does not exist: no user has written from it")
        return chat

    def get_message(self, chat_id: int, message_id: int) -> EmuMessage:
        chat = self.chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None:
            known = ", ".join(str(i) for i in chat.messages) or "none"
            raise UnknownMessageError(
                f"chat {chat_id} has no message {message_id} (message ids: {known})"
            )
        return message

    def bot_messages(self, chat_id: int) -> list[EmuMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.from_bot]

    def _new_message(
        self,
        chat: ChatState,
        *,
        from_bot: bool,
        reply_to: EmuMessage | None,
        sender: dict[str, Any] | None = None,
        **content: Any,
    ) -> EmuMessage:
        if sender is None:
            sender = dict(self.bot_user) if from_bot else chat.user.to_api()
        message = EmuMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_bot=from_bot,
            sender=sender,
            chat=chat.chat_api(),
            date=now(),
            reply_to=reply_to,
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def add_user_message(
        self, user_id: int, *, reply_to_id: int | None = None, **content: Any
    ) -> EmuMessage:
        self.ensure_user(user_id)
        chat = self.chats[user_id]
        reply_to = self.get_message(user_id, reply_to_id) if reply_to_id is not None else None
        if chat.blocked:  # writing to a blocked bot means pressing "Restart" first
            self.set_blocked(user_id, blocked=False)
        chat.started = True
        message = self._new_message(chat, from_bot=False, reply_to=reply_to, **content)
        self.enqueue("message", message.to_api())
        self._emit("new", message)
        return message

    def add_group(self, group_id: int, title: str, added_by: int) -> ChatState:
        """A group the bot was added to by user `added_by` (so the bot may write there)."""
        if group_id >= 0:
            raise EmulatorError("group chats have negative ids")
        chat = self.chats.get(group_id)
        if chat is None:
            chat = ChatState(
                user=self.ensure_user(added_by), group_id=group_id, title=title, started=True
            )
            self.chats[group_id] = chat
        return chat

    def add_group_message(
        self, group_id: int, sender: dict[str, Any], **content: Any
    ) -> EmuMessage:
        """A message in a group from any sender, a bot-marked one included
        (anonymous admins post as GroupAnonymousBot)."""
        chat = self.chat(group_id)
        message = self._new_message(chat, from_bot=False, reply_to=None, sender=sender, **content)
        self.enqueue("message", message.to_api())
        self._emit("new", message)
        return message

    def add_bot_message(
        self, chat: ChatState, *, reply_to: EmuMessage | None = None, **content: Any
    ) -> EmuMessage:
        message = self._new_message(chat, from_bot=True, reply_to=reply_to, **content)
        self._emit("new", message)
        return message

    def edit_message(self, message: EmuMessage, **changes: Any) -> EmuMessage:
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_count += 1
        message.edit_date = now()
        self._emit("edit", message)
        return message

    def delete_message(self, message: EmuMessage) -> None:
        message.deleted = True
        self._emit("delete", message)

    def set_blocked(self, user_id: int, *, blocked: bool) -> None:
        user = self.ensure_user(user_id)
        chat = self.chats[user_id]
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")

        def member(status: str) -> dict[str, Any]:
            # Telegram's ChatMemberBanned always carries until_date (0 = forever).
            body: dict[str, Any] = {"user": dict(self.bot_user), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        self.enqueue(
            "my_chat_member",
            {
                "chat": user.chat_api(),
                "from": user.to_api(),
                "date": now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    # ----------------------------------------------------------------- callback queries

    def press(self, user_id: int, message_id: int, data: str) -> str:
        message = self.get_message(user_id, message_id)
        if message.deleted:
            raise UnknownMessageError(f"message {message_id} in chat {user_id} was deleted")
        if not message.from_bot:
            raise EmulatorError(f"message {message_id} was sent by the user, it has no buttons")
        query_id = str(4_611_686_018_427_387_904 + user_id * 1_000 + self._next_query)
        self._next_query += 1
        chat = self.chats[user_id]
        self.queries[query_id] = QueryState(
            id=query_id,
            user_id=user_id,
            chat_id=user_id,
            message_id=message_id,
            data=data,
            created=time.monotonic(),
        )
        self.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": chat.user.to_api(),
                "message": message.to_api(),
                "chat_instance": str(-(7_000_000_000_000_000_000 + user_id)),
                "data": data,
            },
        )
        return query_id

    def answer_query(self, query_id: str, answer: dict[str, Any]) -> None:
        query = self.queries.get(query_id)
        if query is None or query.answer is not None:
            raise bad_request(QUERY_TOO_OLD)
        ttl = self.callback_query_ttl
        if ttl is not None and time.monotonic() - query.created > ttl:
            raise bad_request(QUERY_TOO_OLD)
        query.answer = answer
        self.notify()

    # ----------------------------------------------------------------- updates

    def enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.notify()
        return update_id

    def allowed(self, update: dict[str, Any]) -> bool:
        kind = update_kind(update)
        if self.allowed_updates is None:
            return kind not in _NOT_DEFAULT_UPDATES
        return kind in self.allowed_updates

    def set_allowed_updates(self, allowed: Iterable[str] | None) -> None:
        if allowed is None:
            return
        names = frozenset(allowed)
        self.allowed_updates = names or None

    def confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def has_updates(self) -> bool:
        return any(self.allowed(u) for u in self.updates)

    def take_updates(self, limit: int) -> list[dict[str, Any]]:
        self.updates = [u for u in self.updates if self.allowed(u)]
        return self.updates[:limit]

    def acknowledge(self, update_id: int) -> None:
        """The webhook answered this update with 2xx: it is delivered."""
        self.updates = [u for u in self.updates if u["update_id"] != update_id]
        self.notify()

    # ----------------------------------------------------------------- files

    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        extension: str,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        file_id, unique_id = new_file_ids(kind)
        path = f"{_FILE_FOLDERS.get(kind, 'documents')}/file_{self._file_counter}{extension}"
        self._file_counter += 1
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            data=data,
            file_path=path,
            width=width,
            height=height,
        )
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    def register_media(self, media: EmuMedia) -> EmuMedia:
        for stored in media.files:
            self.media_by_file_id[stored.file_id] = media
        return media

    # ----------------------------------------------------------------- faults

    def add_fault(self, fault: Fault) -> FaultRule:
        rule = FaultRule(fault=fault, id=self._next_fault_id, remaining=fault.times)
        self._next_fault_id += 1
        self.faults.append(rule)
        return rule

    def remove_fault(self, rule: FaultRule | Fault | int) -> None:
        def keep(r: FaultRule) -> bool:
            if isinstance(rule, FaultRule):
                return r is not rule
            if isinstance(rule, Fault):
                return r.fault is not rule
            return r.id != rule

        self.faults = [r for r in self.faults if keep(r)]

    def take_faults(self, method: str, chat_id: int | None) -> list[FaultRule]:
        """The rules hitting this call: every latency rule and at most one error rule."""
        hit: list[FaultRule] = []
        error_taken = False
        for rule in self.faults:
            if not rule.matches(method, chat_id):
                continue
            if rule.fault.kind != "latency":
                if error_taken:
                    continue
                error_taken = True
            rule.consume()
            hit.append(rule)
        self.faults = [r for r in self.faults if not r.exhausted]
        return hit

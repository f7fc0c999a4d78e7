"""Records the emulator keeps (users, messages, files, faults) and their Telegram JSON shapes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Entity = dict[str, Any]
FaultKind = Literal["429", "500", "403", "latency"]
EventKind = Literal["new", "edit", "delete"]
MediaKind = Literal["photo", "document", "voice", "sticker"]

# Methods a Fault hits when it names none: everything that acts on a chat.
SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "copymessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "deletemessage",
        "sendchataction",
        "answercallbackquery",
    }
)
_FAULT_KINDS = frozenset({"429", "500", "403", "latency"})


@dataclass
class EmuUser:
    """A simulated Telegram user; their private chat has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        chat["type"] = "private"
        return chat


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str | None = None

    def __repr__(self) -> str:
        return f"UploadedFile(filename={self.filename!r}, size={len(self.data)})"


@dataclass(eq=False)
class StoredFile:
    """A file the emulator serves through getFile and the /file route."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    def to_api(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass(eq=False)
class EmuMedia:
    """The media part of a message; photos keep all their sizes, smallest first."""

    kind: MediaKind
    files: list[StoredFile]
    file_name: str | None = None  # a photo's is the upload's, kept for local tools only
    mime_type: str | None = None
    duration: int | None = None
    emoji: str | None = None
    set_name: str | None = None

    @property
    def main(self) -> StoredFile:
        return self.files[-1]

    def _base(self, stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }

    def to_api(self) -> Any:
        if self.kind == "photo":
            return [
                {**self._base(f), "width": f.width or 0, "height": f.height or 0}
                for f in self.files
            ]
        body = self._base(self.main)
        if self.kind == "document":
            if self.file_name:
                body["file_name"] = self.file_name
            if self.mime_type:
                body["mime_type"] = self.mime_type
        elif self.kind == "voice":
            body["duration"] = self.duration or 0
            body["mime_type"] = self.mime_type or "audio/ogg"
        else:
            body.update(
                type="regular",
                width=self.main.width or 512,
                height=self.main.height or 512,
                is_animated=False,
                is_video=False,
            )
            if self.emoji:
                body["emoji"] = self.emoji
            if self.set_name:
                body["set_name"] = self.set_name
        return body


@dataclass(frozen=True)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(eq=False)
class EmuMessage:
    """A message in a private chat as the emulator holds it; edits update it in place."""

    message_id: int
    chat_id: int
    from_bot: bool
    sender: dict[str, Any]
    chat: dict[str, Any]
    date: int
    text: str | None = None
    html: str | None = None
    entities: list[Entity] = field(default_factory=list)
    caption: str | None = None
    caption_html: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    media: EmuMedia | None = None
    reply_markup: dict[str, Any] | None = None
    keyboard: dict[str, Any] | None = None
    reply_to: EmuMessage | None = None
    edit_date: int | None = None
    edit_count: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[list[InlineButton]]:
        if not self.reply_markup:
            return []
        return [
            [
                InlineButton(
                    text=str(b.get("text", "")),
                    callback_data=b.get("callback_data"),
                    url=b.get("url"),
                )
                for b in row
            ]
            for row in self.reply_markup.get("inline_keyboard", [])
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        if self.media is None or self.media.kind != "photo":
            return None
        sizes: list[dict[str, Any]] = self.media.to_api()
        return sizes

    @property
    def document(self) -> dict[str, Any] | None:
        if self.media is None or self.media.kind != "document":
            return None
        body: dict[str, Any] = self.media.to_api()
        return body

    @property
    def file_id(self) -> str | None:
        return self.media.main.file_id if self.media else None

    @property
    def file_bytes(self) -> bytes | None:
        return self.media.main.data if self.media else None

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API Message object."""
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "from": dict(self.sender),
            "chat": dict(self.chat),
            "date": self.date,
        }
        if self.edit_date is not None:
            body["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None:
            body["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            body["text"] = self.text
            if self.entities:
                body["entities"] = [dict(e) for e in self.entities]
        if self.media is not None:
            body[self.media.kind] = self.media.to_api()
        if self.caption:
            body["caption"] = self.caption
            if self.caption_entities:
                body["caption_entities"] = [dict(e) for e in self.caption_entities]
        if self.reply_markup is not None:
            body["reply_markup"] = self.reply_markup
        return body

    def to_dict(self) -> dict[str, Any]:
        """to_api() plus what only the emulator knows, for the HTTP control API."""
        return {
            **self.to_api(),
            "from_bot": self.from_bot,
            "html": self.html,
            "edit_count": self.edit_count,
            "deleted": self.deleted,
            "keyboard": self.keyboard,
        }

    def summary(self) -> str:
        """One line for error messages: who, what, which buttons."""
        who = "bot" if self.from_bot else "user"
        if self.text is not None:
            body = repr(self.text if len(self.text) <= 80 else self.text[:77] + "...")
        elif self.media is not None:
            body = f"<{self.media.kind}>" + (f" {self.caption!r}" if self.caption else "")
        else:
            body = "<empty>"
        parts = [f"#{self.message_id} {who}: {body}"]
        if self.buttons:
            rows = [" | ".join(repr(b.text) for b in row) for row in self.buttons]
            parts.append("buttons: [" + "], [".join(rows) + "]")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


@dataclass(frozen=True)
class ChatEvent:
    kind: EventKind
    message: EmuMessage


class ApiCall(NamedTuple):
    """One Bot API request as received: canonical method name and decoded parameters."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Fault:
    """A failure to inject: an error answer (429/500/403) or extra latency.

    ``methods=None`` hits every method in SENDING_METHODS; getUpdates and getMe are only hit when
    named. ``times=None`` keeps the fault until it is removed.
    """

    kind: FaultKind
    chat_id: int | None = None
    methods: Collection[str] | None = None
    times: int | None = None
    retry_after: int = 1
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}, expected one of {_FAULT_KINDS}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be None or a positive number")
        if self.retry_after < 1:
            raise ValueError("retry_after must be at least 1 second")
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if isinstance(self.methods, str):
            raise ValueError("methods must be a collection of method names, not one string")

    @property
    def method_names(self) -> frozenset[str]:
        if self.methods is None:
            return SENDING_METHODS
        return frozenset(m.lower() for m in self.methods)


@dataclass(eq=False)
class FaultRule:
    """An installed Fault with its remaining uses; returned by Emulator.add_fault."""

    fault: Fault
    id: int
    remaining: int | None
    hits: int = 0

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if method.lower() not in self.fault.method_names:
            return False
        return self.fault.chat_id is None or self.fault.chat_id == chat_id

    def consume(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

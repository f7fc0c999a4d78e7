"""The Bot API methods the emulator implements, each validating like Telegram does.

Parameters arrive as strings (form data) or typed JSON; ``Params`` reads both the same way so
a method body never cares how aiogram encoded the request.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from bot.emulator.errors import (
    CONFLICT,
    NOT_MODIFIED,
    WEBHOOK_ACTIVE,
    ApiError,
    bad_request,
    blocked,
)
from bot.emulator.formatting import (
    EntityParseError,
    FormattedText,
    UnsupportedParseModeError,
    format_text,
)
from bot.emulator.keyboards import inline_only, parse_reply_markup
from bot.emulator.media import image_extension, image_size, photo_sizes
from bot.emulator.models import EmuMedia, EmuMessage, UploadedFile
from bot.emulator.state import ChatState, EmuState, Webhook

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_ANSWER_TEXT = 200
MAX_DOWNLOAD = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_INT = re.compile(r"-?\d+")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "menu_button",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "reply_to_message_id",
        "message_thread_id",
        "user_id",
        "max_connections",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)


def normalize_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Decode form strings into the JSON types they stand for (as Telegram reads them)."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                # an unparsable value stays a string: the method reports Telegram's error
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif key in _INT_PARAMS and _INT.fullmatch(value.strip()):
                value = int(value)
            elif key in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
                value = value.lower() in ("true", "1")
        params[key] = value
    return params


class Params:
    """Typed, Telegram-worded access to one request's parameters."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def has(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def get_str(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def get_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            return int(value)
        raise bad_request(f"invalid {name} specified")

    def get_bool(self, name: str) -> bool:
        value = self.data.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str, what: str | None = None) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {what or name} JSON object") from exc
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        value = self.data.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        try:
            return self.get_int(name) or 0
        except ApiError:
            raise bad_request("chat not found") from None


Handler = Callable[[Params], Awaitable[Any]]


class BotApi:
    """Dispatches Bot API method names (case-insensitive) to implementations over EmuState."""

    def __init__(self, state: EmuState, *, max_poll_timeout: float = 50.0) -> None:
        self.state = state
        self.max_poll_timeout = max_poll_timeout
        methods: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "editMessageCaption": self.edit_message_caption,
            "answerCallbackQuery": self.answer_callback_query,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "getFile": self.get_file,
            "copyMessage": self.copy_message,
            "deleteMessage": self.delete_message,
            "sendChatAction": self.send_chat_action,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
        }
        self.methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in methods.items()
        }

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        return self.methods.get(method.lower())

    def target_chat(self, method: str, params: Params) -> int | None:
        """The chat a call acts on, for per-chat faults."""
        if method.lower() == "answercallbackquery":
            query = self.state.queries.get(params.get_str("callback_query_id") or "")
            return query.chat_id if query else None
        try:
            return params.get_int("chat_id")
        except ApiError:
            return None

    # ----------------------------------------------------------------- shared checks

    def _known_chat(self, params: Params, name: str = "chat_id") -> ChatState:
        chat = self.state.chats.get(params.chat_id(name))
        if chat is None or not chat.started:
            raise bad_request("chat not found")
        return chat

    def _send_chat(self, params: Params) -> ChatState:
        chat = self._known_chat(params)
        if chat.blocked:
            raise blocked()
        return chat

    def _format(
        self, raw: str, parse_mode: str | None, entities_value: Any, *, entities_name: str
    ) -> FormattedText:
        explicit: list[dict[str, Any]] | None = None
        if entities_value not in (None, ""):
            if isinstance(entities_value, str):
                raise bad_request(f"can't parse {entities_name} JSON object")
            if not isinstance(entities_value, list) or not all(
                isinstance(e, dict)
                and isinstance(e.get("type"), str)
                and isinstance(e.get("offset"), int)
                and isinstance(e.get("length"), int)
                for e in entities_value
            ):
                raise bad_request(f"can't parse {entities_name} JSON object")
            explicit = entities_value
        try:
            return format_text(raw, parse_mode, explicit)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        except UnsupportedParseModeError as exc:
            raise bad_request("unsupported parse_mode") from exc

    def _text(self, params: Params) -> tuple[FormattedText, str | None]:
        raw = params.get_str("text") or ""
        if not raw.strip():
            raise bad_request("message text is empty")
        parse_mode = params.get_str("parse_mode")
        formatted = self._format(
            raw, parse_mode, params.raw("entities"), entities_name="message entities"
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT:
            raise bad_request("message is too long")
        html = raw if parse_mode and not params.has("entities") else None
        return formatted, html

    def _caption(self, params: Params) -> tuple[FormattedText, str | None]:
        raw = params.get_str("caption") or ""
        parse_mode = params.get_str("parse_mode")
        formatted = self._format(
            raw,
            parse_mode,
            params.raw("caption_entities"),
            entities_name="caption entities",
        )
        if len(formatted.text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        html = raw if raw and parse_mode and not params.has("caption_entities") else None
        return formatted, html

    def _reply_to(self, chat: ChatState, params: Params) -> EmuMessage | None:
        reply_id = params.get_int("reply_to_message_id")
        allow = params.get_bool("allow_sending_without_reply")
        reply_parameters = params.get_json("reply_parameters", "reply parameters")
        if isinstance(reply_parameters, dict):
            candidate = reply_parameters.get("message_id")
            reply_id = candidate if isinstance(candidate, int) else None
            allow = bool(reply_parameters.get("allow_sending_without_reply", False))
            if reply_parameters.get("chat_id") not in (None, chat.id, str(chat.id)):
                reply_id = -1
        if reply_id is None:
            return None
        message = chat.messages.get(reply_id)
        if message is None or message.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message

    def _bot_message_to_edit(self, params: Params) -> EmuMessage:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._send_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    # ----------------------------------------------------------------- bot and updates

    async def get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _allowed_updates(self, params: Params) -> list[str] | None:
        allowed = params.get_json("allowed_updates", "allowed updates")
        if allowed is not None and (
            not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)
        ):
            raise bad_request("can't parse allowed updates JSON object")
        return allowed

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        state = self.state
        if state.webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit") or 100, 1), 100)
        timeout = min(max(params.get_int("timeout") or 0, 0), self.max_poll_timeout)
        allowed = self._allowed_updates(params)
        state.poll_generation += 1
        generation = state.poll_generation
        state.notify()  # an older waiting poll is terminated by this one
        state.confirm(offset)
        state.set_allowed_updates(allowed)

        def ready() -> bool:
            return state.stopping or generation != state.poll_generation or state.has_updates()

        if timeout > 0:
            await state.wait_until(ready, timeout)
        if state.stopping:
            return []
        if generation != state.poll_generation:
            raise ApiError(409, CONFLICT)
        return state.take_updates(limit)

    async def set_webhook(self, params: Params) -> bool:
        """Updates go to `url` from now on (http is accepted too: this is a local server)."""
        url = params.get_str("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: an HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        connections = params.get_int("max_connections") or 40
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = self._allowed_updates(params)
        if params.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        self.state.set_allowed_updates(allowed)
        self.state.webhook = Webhook(url=url, secret_token=secret, max_connections=connections)
        self.state.notify()
        return True

    async def delete_webhook(self, params: Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        self.state.webhook = None
        self.state.notify()
        return True

    async def get_webhook_info(self, params: Params) -> dict[str, Any]:
        hook = self.state.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if self.state.allowed_updates is not None:
                info["allowed_updates"] = sorted(self.state.allowed_updates)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    # ----------------------------------------------------------------- commands and menu

    def _scope_key(self, params: Params) -> str:
        scope = params.get_json("scope", "BotCommandScope")
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self.state.chats.get(Params(scope).chat_id())
            if chat is None or not chat.started:
                raise bad_request("chat not found")
            if kind == "chat_member":
                return f"{kind}:{chat.id}:{Params(scope).get_int('user_id')}"
            return f"{kind}:{chat.id}"
        return kind

    async def set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands", "commands")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand: BotCommand must be an Object")
            for name in ("command", "description"):
                if not isinstance(item.get(name), str):
                    raise bad_request(f"can't parse BotCommand: Can't find field \"{name}\"")
            command, description = str(item["command"]), str(item["description"])
            if not _COMMAND.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not description.strip():
                raise bad_request("command description must be non-empty")
            if len(description) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = (self._scope_key(params), params.get_str("language_code") or "")
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: Params) -> list[dict[str, str]]:
        key = (self._scope_key(params), params.get_str("language_code") or "")
        return [dict(c) for c in self.state.commands.get(key, [])]

    async def delete_my_commands(self, params: Params) -> bool:
        key = (self._scope_key(params), params.get_str("language_code") or "")
        self.state.commands.pop(key, None)
        return True

    async def set_chat_menu_button(self, params: Params) -> bool:
        chat = self._known_chat(params) if params.has("chat_id") else None
        button = params.get_json("menu_button", "menu button")
        if button is None:
            button = {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise bad_request("can't parse menu button JSON object")
        if chat is None:
            self.state.default_menu_button = button
        else:
            chat.menu_button = button
        return True

    async def get_chat_menu_button(self, params: Params) -> dict[str, Any]:
        chat = self._known_chat(params) if params.has("chat_id") else None
        if chat is not None and chat.menu_button is not None:
            return chat.menu_button
        return self.state.default_menu_button or {"type": "default"}

    # ----------------------------------------------------------------- messages

    async def send_message(self, params: Params) -> dict[str, Any]:
        chat = self._send_chat(params)
        formatted, html = self._text(params)
        inline, other = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self._reply_to(chat, params)
        message = self.state.add_bot_message(
            chat,
            reply_to=reply_to,
            text=formatted.text,
            entities=formatted.entities,
            html=html,
            reply_markup=inline,
            keyboard=other,
        )
        return message.to_api()

    async def edit_message_text(self, params: Params) -> dict[str, Any]:
        message = self._bot_message_to_edit(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        formatted, html = self._text(params)
        markup = inline_only(params.raw("reply_markup"))
        if (
            formatted.text == message.text
            and formatted.entities == message.entities
            and markup == message.reply_markup
        ):
            raise bad_request(NOT_MODIFIED)
        self.state.edit_message(
            message,
            text=formatted.text,
            entities=formatted.entities,
            html=html,
            reply_markup=markup,
        )
        return message.to_api()

    async def edit_message_caption(self, params: Params) -> dict[str, Any]:
        message = self._bot_message_to_edit(params)
        if message.media is None:
            raise bad_request("there is no caption in the message to edit")
        formatted, html = self._caption(params)
        markup = inline_only(params.raw("reply_markup"))
        if (
            (formatted.text or None) == message.caption
            and formatted.entities == message.caption_entities
            and markup == message.reply_markup
        ):
            raise bad_request(NOT_MODIFIED)
        self.state.edit_message(
            message,
            caption=formatted.text or None,
            caption_entities=formatted.entities,
            caption_html=html,
            reply_markup=markup,
        )
        return message.to_api()

    async def edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        message = self._bot_message_to_edit(params)
        markup = inline_only(params.raw("reply_markup"))
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        self.state.edit_message(message, reply_markup=markup)
        return message.to_api()

    async def answer_callback_query(self, params: Params) -> bool:
        query_id = params.get_str("callback_query_id") or ""
        text = params.get_str("text")
        if text is not None and len(text) > MAX_ANSWER_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        self.state.answer_query(
            query_id,
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": params.get_bool("show_alert"),
                "url": params.get_str("url"),
                "cache_time": params.get_int("cache_time") or 0,
            },
        )
        return True

    async def copy_message(self, params: Params) -> dict[str, int]:
        chat = self._send_chat(params)
        source_chat = self._known_chat(params, "from_chat_id")
        source_id = params.get_int("message_id")
        source = source_chat.messages.get(source_id) if source_id is not None else None
        if source is None or source.deleted:
            raise bad_request("message to copy not found")
        content: dict[str, Any] = {}
        if source.text is not None:
            content.update(text=source.text, entities=list(source.entities), html=source.html)
        else:
            content.update(
                media=source.media,
                caption=source.caption,
                caption_entities=list(source.caption_entities),
                caption_html=source.caption_html,
            )
            if params.raw("caption") is not None:
                caption, caption_html = self._caption(params)
                content.update(
                    caption=caption.text or None,
                    caption_entities=caption.entities,
                    caption_html=caption_html,
                )
        inline, other = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self._reply_to(chat, params)
        copy = self.state.add_bot_message(
            chat, reply_to=reply_to, reply_markup=inline, keyboard=other, **content
        )
        return {"message_id": copy.message_id}

    async def delete_message(self, params: Params) -> bool:
        chat = self._known_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        self.state.delete_message(message)
        return True

    async def send_chat_action(self, params: Params) -> bool:
        chat = self._send_chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(action)
        self.state.notify()
        return True

    # ----------------------------------------------------------------- files

    def _media(self, params: Params, kind: str) -> EmuMedia:
        value = params.raw(kind)
        if isinstance(value, UploadedFile):
            return self._upload(value, kind)
        reference = params.get_str(kind) or ""
        if not reference or reference.startswith("attach://"):
            raise bad_request(f"there is no {kind} in the request")
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        media = self.state.media_by_file_id.get(reference)
        if media is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if media.kind != kind:
            raise bad_request("type of file mismatch")
        return media

    def _upload(self, upload: UploadedFile, kind: str) -> EmuMedia:
        if not upload.data:
            raise bad_request("file must be non-empty")
        name = PurePosixPath(upload.filename.replace("\\", "/")).name or kind
        if kind == "photo":
            size = image_size(upload.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            extension = image_extension(upload.data)
            files = [
                self.state.store_file("photo", upload.data, extension=extension, width=w, height=h)
                for w, h in photo_sizes(*size)
            ]
            # Telegram drops a photo's file name; it is kept here only for local tools
            # (the playground saves pictures under it) and never shown to the bot.
            return self.state.register_media(EmuMedia(kind="photo", files=files, file_name=name))
        mime = mimetypes.guess_type(name)[0]
        if mime is None and upload.content_type not in (None, "application/octet-stream"):
            mime = upload.content_type
        stored = self.state.store_file(
            "document", upload.data, extension=PurePosixPath(name).suffix.lower()
        )
        return self.state.register_media(
            EmuMedia(
                kind="document",
                files=[stored],
                file_name=name,
                mime_type=mime or "application/octet-stream",
            )
        )

    async def _send_media(self, params: Params, kind: str) -> dict[str, Any]:
        chat = self._send_chat(params)
        media = self._media(params, kind)
        caption, caption_html = self._caption(params)
        inline, other = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self._reply_to(chat, params)
        message = self.state.add_bot_message(
            chat,
            reply_to=reply_to,
            media=media,
            caption=caption.text or None,
            caption_entities=caption.entities,
            caption_html=caption_html,
            reply_markup=inline,
            keyboard=other,
        )
        return message.to_api()

    async def send_photo(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def get_file(self, params: Params) -> dict[str, Any]:
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return stored.to_api()

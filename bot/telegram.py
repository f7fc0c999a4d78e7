"""Small, safe wrappers around Bot API calls whose harmless failures must never reach
a user: editing a message that is already up to date, or one that is gone."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096  # characters of a text message after entity parsing
NOT_MODIFIED = "message is not modified"
GONE = (
    "message to edit not found",
    "message can't be edited",
    "message to delete not found",
    "message can't be deleted",
)


class SentMessage(TelegramObject):
    """A message the bot sent or edited, as far as these wrappers read Telegram's reply:
    its id. The rest of the reply (text, entities, sender, chat, buttons) is kept as
    Telegram sent it, not read into aiogram's models: for a quiz question, that reading
    was three quarters of the cost of its reply, about 0.1 ms of every press."""

    message_id: int


class _SendMessage(SendMessage):
    # aiogram reads a reply as the method's `__returning__`: narrowing it is the point.
    __returning__ = SentMessage  # type: ignore[assignment]


class _EditMessageText(EditMessageText):
    __returning__ = SentMessage | bool


class _EditMessageReplyMarkup(EditMessageReplyMarkup):
    __returning__ = SentMessage | bool


def pressed_message(query: CallbackQuery) -> int | None:
    """The id of the message whose button was pressed (None if it is no longer accessible)."""
    return query.message.message_id if isinstance(query.message, Message) else None


def _harmless(exc: TelegramBadRequest) -> str | None:
    text = exc.message.lower()
    if NOT_MODIFIED in text:
        return "not-modified"
    if any(reason in text for reason in GONE):
        return "gone"
    return None


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Edit a message's text and buttons; False if the message is gone (send anew then)."""
    try:
        await bot(
            _EditMessageText(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
        )
    except TelegramBadRequest as exc:
        kind = _harmless(exc)
        if kind is None:
            raise
        log.debug("edit of message %d in chat %d: %s", message_id, chat_id, exc.message)
        return kind == "not-modified"
    return True


async def edit_buttons(
    bot: Bot, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None
) -> bool:
    """Replace the inline keyboard of a message of any kind (text, a photo with a
    caption...), leaving its content alone; False if the message is gone."""
    try:
        await bot(
            _EditMessageReplyMarkup(chat_id=chat_id, message_id=message_id, reply_markup=markup)
        )
    except TelegramBadRequest as exc:
        kind = _harmless(exc)
        if kind is None:
            raise
        log.debug("buttons of %d in chat %d: %s", message_id, chat_id, exc.message)
        return kind == "not-modified"
    return True


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove the inline keyboard of a message, if it still has one."""
    await edit_buttons(bot, chat_id, message_id, None)


async def show(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
    edit: int | None = None,
) -> int:
    """Edit message `edit` in place if given and still there, else send a new message.

    Returns the id of the message that shows it now.
    """
    if edit is not None and await edit_text(bot, chat_id, edit, text, markup):
        return edit
    # Typed by aiogram as its Message: what `_SendMessage` reads the reply as is checked.
    sent = await bot(_SendMessage(chat_id=chat_id, text=text, reply_markup=markup))
    if not isinstance(sent, SentMessage):
        raise TypeError(f"sendMessage replied with {type(sent).__name__}")
    return sent.message_id


async def retract(bot: Bot, chat_id: int, message_id: int, fallback: str) -> None:
    """Take a message out of the chat; one too old to delete (48 h) says `fallback`."""
    try:
        if await bot.delete_message(chat_id, message_id):
            return
    except TelegramBadRequest as exc:
        if _harmless(exc) is None:
            raise
        log.debug("deleting %d in chat %d: %s", message_id, chat_id, exc.message)
    await edit_text(bot, chat_id, message_id, fallback)

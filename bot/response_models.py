"""Keep aiogram's reply models alive.

aiogram reads every Bot API reply as `Response[T]`, where T is what the method returns
(`Message`, `bool`...). That is a generic pydantic model, and pydantic keeps the class it
built for `Response[Message]` only in a weak cache: once the garbage collector has run,
the next reply builds the class again, schema and validator, at about 10 ms of CPU. On a
busy bot that happened on one reply in ten, and was the largest single cost of a quiz
press. Holding one strong reference per method keeps the cached class in use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class KeepResponseModels(BaseRequestMiddleware):
    """A request middleware holding `Response[T]` for every method the bot has called."""

    def __init__(self) -> None:
        self._kept: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self._kept:
            self._kept[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)

    def __len__(self) -> int:
        return len(self._kept)

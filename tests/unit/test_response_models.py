"""aiogram's reply models stay built: pydantic caches `Response[T]` only weakly, and
rebuilding one costs about 10 ms of CPU on a reply."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram import Bot
from aiogram.methods import GetForumTopicIconStickers, GetMyCommands, Response, TelegramMethod

from bot.response_models import KeepResponseModels

BOT = Bot(token="42:TEST-token-never-sent")


async def passed_on(bot: Bot, method: TelegramMethod[Any]) -> Any:
    return ("sent", method)


def test_pydantic_forgets_an_unused_reply_model() -> None:
    """Why the middleware exists: with no strong reference left, a collection drops the
    class (if pydantic ever keeps them itself, this fails and the middleware can go)."""
    model = weakref.ref(Response[GetForumTopicIconStickers.__returning__])
    gc.collect()
    assert model() is None


async def test_a_called_method_keeps_its_reply_model_through_a_collection() -> None:
    keep = KeepResponseModels()
    method = GetMyCommands()
    passed: object = await keep(passed_on, BOT, method)
    assert passed == ("sent", method)
    model = weakref.ref(Response[GetMyCommands.__returning__])
    gc.collect()
    assert model() is not None
    assert Response[GetMyCommands.__returning__] is model()


async def test_one_model_per_method_however_often_it_is_called() -> None:
    keep = KeepResponseModels()
    for _ in range(3):
        await keep(passed_on, BOT, GetMyCommands())
    await keep(passed_on, BOT, GetForumTopicIconStickers())
    assert len(keep) == 2


def test_the_bot_is_built_with_it() -> None:
    from bot.app import build_bot
    from bot.config import Settings

    bot = build_bot(Settings(bot_token="42:TEST-token-never-sent", _env_file=None))
    assert any(isinstance(m, KeepResponseModels) for m in bot.session.middleware[:])

"""The baseline of the quiz traffic benchmark: a bare aiogram bot (`python -m bench.bare_bot`).

It answers the same updates as careerbot with the same number of Bot API round trips,
and nothing else: no database, no middleware, no i18n, no quiz. `/start` sends a
message with four buttons; a press edits that message (four new buttons) and answers
the press last, as careerbot's answer middleware does. `BARE_CALLS_PER_UPDATE` (a
fraction, measured from careerbot in the same run) tops each update up with
`sendChatAction` calls so that, on average, both bots make as many calls per update.

Settings come from the environment: `BOT_TOKEN`, `TELEGRAM_API_URL`.
"""

from __future__ import annotations

import asyncio
import math
import os

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder


class Extra:
    """How many extra calls the next update makes, so the average comes out right."""

    def __init__(self, per_update: float, fixed: int) -> None:
        self._extra = max(0.0, per_update - fixed)
        self._owed = 0.0

    def take(self) -> int:
        self._owed += self._extra
        calls = math.floor(self._owed)
        self._owed -= calls
        return calls


def keyboard(step: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for option in range(4):
        builder.button(text=f"Option {option + 1}", callback_data=f"bare:{step}:{option}")
    builder.adjust(1)
    return builder.as_markup()


def build_router(per_update: float) -> Router:
    router = Router()
    after_start = Extra(per_update, fixed=1)  # sendMessage
    after_press = Extra(per_update, fixed=2)  # editMessageText, answerCallbackQuery

    @router.message(CommandStart())
    async def start(message: Message, bot: Bot) -> None:
        for _ in range(after_start.take()):
            await bot.send_chat_action(message.chat.id, "typing")
        await message.answer("Question 1", reply_markup=keyboard(1))

    @router.callback_query(F.data.startswith("bare:"))
    async def press(query: CallbackQuery, bot: Bot) -> None:
        assert query.data is not None
        assert query.message is not None
        step = int(query.data.split(":")[1]) + 1
        for _ in range(after_press.take()):
            await bot.send_chat_action(query.message.chat.id, "typing")
        await bot.edit_message_text(
            f"Question {step}",
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=keyboard(step),
        )
        await query.answer()

    return router


async def main() -> None:
    server = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=server))
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router(float(os.environ.get("BARE_CALLS_PER_UPDATE", "2"))))
    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())

"""aiogram glue: a Bot bound to the emulator whose session closes without a TLS grace pause."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer


class EmulatorSession(AiohttpSession):
    """AiohttpSession minus the 250 ms sleep on close (meant for TLS, pointless on localhost)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(token: str, api: TelegramAPIServer, **bot_kwargs: Any) -> Bot:
    return Bot(token=token, session=EmulatorSession(api=api), **bot_kwargs)

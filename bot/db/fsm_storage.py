"""aiogram FSM storage kept in the bot's own SQLite database, so a restart keeps state.

The packages on PyPI that do this open their own synchronous sqlite3 connection;
this one shares the process's aiosqlite connection and its transaction discipline.
Each row keeps its user's id in a column of its own, so deleting a student's data
finds it like any other row about them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from bot.clock import Clock, SystemClock, to_db
from bot.db.database import Database


class SQLiteStorage(BaseStorage):
    def __init__(
        self,
        db: Database,
        key_builder: KeyBuilder | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._keys = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._clock = clock or SystemClock()

    def _key(self, key: StorageKey) -> str:
        return self._keys.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._db.execute(
            """
            INSERT INTO fsm_states (key, user_id, state, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET state = excluded.state,
                                            updated_at = excluded.updated_at
            """,
            (self._key(key), key.user_id, value, to_db(self._clock.now())),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        value = await self._db.fetchval(
            "SELECT state FROM fsm_states WHERE key = ?", (self._key(key),)
        )
        return None if value is None else str(value)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        await self._db.execute(
            """
            INSERT INTO fsm_states (key, user_id, data, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET data = excluded.data,
                                            updated_at = excluded.updated_at
            """,
            (self._key(key), key.user_id, payload, to_db(self._clock.now())),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        value = await self._db.fetchval(
            "SELECT data FROM fsm_states WHERE key = ?", (self._key(key),)
        )
        if value is None:
            return {}
        data = json.loads(value)
        return data if isinstance(data, dict) else {}

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        async with self._db.transaction():
            current = await self.get_data(key)
            current.update(data)
            await self.set_data(key, current)
        return current

    async def close(self) -> None:
        """The connection belongs to the application, which closes it."""

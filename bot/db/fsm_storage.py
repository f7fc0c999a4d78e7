"""aiogram FSM storage kept in the bot's own SQLite database, so a restart keeps state.

The packages on PyPI that do this open their own synchronous sqlite3 connection;
this one shares the process's aiosqlite connection and its transaction discipline.
Each row keeps its user's id in a column of its own, so deleting a student's data
finds it like any other row about them.

aiogram asks for the state on every update, and nearly every student has none (a state
is a prompt a staff member is answering). The storage remembers the keys it read no
state for, so those updates skip the database. Only the absence of a state is
remembered, and only as read: any `set_state` forgets the key, and whatever else
removes a row (deleting a student's data) leaves no state, which is what is kept.
"""

from __future__ import annotations

import json
from collections import OrderedDict
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

STATELESS_KEPT = 10_000
"""Keys known to have no state, at most (the least recently used go first)."""


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
        self._stateless: OrderedDict[str, None] = OrderedDict()

    def _key(self, key: StorageKey) -> str:
        return self._keys.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self._key(key)
        self._stateless.pop(built, None)  # the next read asks the database
        await self._db.execute(
            """
            INSERT INTO fsm_states (key, user_id, state, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET state = excluded.state,
                                            updated_at = excluded.updated_at
            """,
            (built, key.user_id, value, to_db(self._clock.now())),
        )
        # A read that was already waiting for the database when this write began may
        # have found no state and remembered that meanwhile: forget it again.
        self._stateless.pop(built, None)

    async def get_state(self, key: StorageKey) -> str | None:
        built = self._key(key)
        if built in self._stateless:
            self._stateless.move_to_end(built)
            return None
        value = await self._db.fetchval("SELECT state FROM fsm_states WHERE key = ?", (built,))
        if value is None:
            # A set_state of this key waiting behind this read forgets it again once
            # its write is done (see set_state).
            self._stateless[built] = None
            if len(self._stateless) > STATELESS_KEPT:
                self._stateless.popitem(last=False)
            return None
        return str(value)

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

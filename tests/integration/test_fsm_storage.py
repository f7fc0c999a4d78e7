import asyncio
from pathlib import Path

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.db import Database, apply_migrations, fsm_storage, open_database
from bot.db.fsm_storage import SQLiteStorage
from tests.support import Trips


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)
OTHER = StorageKey(bot_id=1, chat_id=11, user_id=11)


async def test_state_and_data_round_trip(db: Database) -> None:
    storage = SQLiteStorage(db)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    await storage.set_state(KEY, Form.name)
    await storage.set_data(KEY, {"answer": "да", "n": 3})
    assert await storage.get_state(KEY) == "Form:name"
    assert await storage.get_data(KEY) == {"answer": "да", "n": 3}
    assert await storage.update_data(KEY, {"n": 4}) == {"answer": "да", "n": 4}
    assert await storage.get_value(KEY, "n") == 4
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {"answer": "да", "n": 4}
    assert await storage.get_data(OTHER) == {}


async def test_a_key_without_state_is_read_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = SQLiteStorage(db)
    trips = Trips(db, monkeypatch)
    for _ in range(3):
        assert await storage.get_state(KEY) is None
    assert trips.count == 1
    await storage.set_state(KEY, Form.name)  # forgets what it knew of the key
    assert await storage.get_state(KEY) == "Form:name"
    await storage.set_state(KEY, None)
    assert await storage.get_state(KEY) is None


async def test_a_state_set_in_a_rolled_back_transaction_is_not_remembered_as_none(
    db: Database,
) -> None:
    storage = SQLiteStorage(db)
    await storage.set_state(KEY, Form.name)

    async def cleared_then_failed() -> None:
        async with db.transaction():
            await storage.set_state(KEY, None)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await cleared_then_failed()
    assert await storage.get_state(KEY) == "Form:name"


async def test_a_read_in_flight_while_a_state_is_set_does_not_hide_it(db: Database) -> None:
    storage = SQLiteStorage(db)
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_the_database() -> None:
        async with db.transaction():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold_the_database())
    await held.wait()
    read = asyncio.create_task(storage.get_state(KEY))  # waits behind the holder
    write = asyncio.create_task(storage.set_state(KEY, Form.name))  # then behind the read
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, read, write)
    assert read.result() is None  # it read before the write
    assert await storage.get_state(KEY) == "Form:name"


async def test_deleted_rows_leave_no_state_behind(db: Database) -> None:
    storage = SQLiteStorage(db)
    assert await storage.get_state(KEY) is None
    await storage.set_state(KEY, Form.name)
    await db.execute("DELETE FROM fsm_states WHERE user_id = ?", (KEY.user_id,))
    assert await storage.get_state(KEY) is None


async def test_the_keys_remembered_are_bounded(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fsm_storage, "STATELESS_KEPT", 2)
    storage = SQLiteStorage(db)
    keys = [StorageKey(bot_id=1, chat_id=n, user_id=n) for n in range(5)]
    for key in keys:
        await storage.get_state(key)
    trips = Trips(db, monkeypatch)
    await storage.get_state(keys[-1])
    await storage.get_state(keys[0])  # forgotten: asked again
    assert trips.count == 1


async def test_concurrent_updates_lose_nothing(db: Database) -> None:
    storage = SQLiteStorage(db)
    await asyncio.gather(*(storage.update_data(KEY, {f"k{i}": i}) for i in range(20)))
    assert len(await storage.get_data(KEY)) == 20


async def test_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "fsm.sqlite3"
    db = await open_database(path)
    await apply_migrations(db)
    await SQLiteStorage(db).set_state(KEY, Form.name)
    await db.close()

    db = await open_database(path)
    try:
        assert await SQLiteStorage(db).get_state(KEY) == "Form:name"
    finally:
        await db.close()

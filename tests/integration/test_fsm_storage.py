import asyncio
from pathlib import Path

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.db import Database, apply_migrations, open_database
from bot.db.fsm_storage import SQLiteStorage


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

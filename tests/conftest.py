"""Shared fixtures: a migrated database in a temp folder, and settings that never read
the developer's own `.env` or environment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.db import Database, apply_migrations, open_database

TEST_TOKEN = "123456:TEST-token-for-the-local-emulator"
SETTINGS_VARS = (
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_PATH",
    "ADMIN_IDS",
    "DEFAULT_LOCALE",
    "TIMEZONE",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "test.sqlite3")
    await apply_migrations(database)
    yield database
    await database.close()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TEST_TOKEN,
        "database_path": tmp_path / "bot.sqlite3",
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]

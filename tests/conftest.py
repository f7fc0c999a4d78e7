"""Shared fixtures: a migrated database in a temp folder, and settings that never read
the developer's own `.env` or environment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database, apply_migrations, open_database
from tests.support import SETTINGS_VARS


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

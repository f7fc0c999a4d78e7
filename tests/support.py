"""Helpers shared by the test folders (importable as `tests.support`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.db import Database
from bot.emulator import EmuMessage

ROOT = Path(__file__).resolve().parents[1]
TEST_TOKEN = "123456:TEST-token-for-the-local-emulator"
SETTINGS_VARS = (
    "BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_PATH",
    "CONTENT_DIR",
    "ADMIN_IDS",
    "DEFAULT_LOCALE",
    "TIMEZONE",
    "LOG_LEVEL",
    "TIPS_FIRST_DELAY",
    "TIPS_INTERVAL",
    "TIPS_WINDOW",
    "TIPS_TICK",
    "TIPS_GRACE",
    "TIPS_COUNT",
    "QUIZ_REMINDER_DELAY",
    "SEND_RATE",
    "PAID_BROADCAST",
    "WEBHOOK_URL",
    "WEBHOOK_HOST",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET",
    "INVITE_TTL",
    "STATS_MIN_GROUP",
    "OPERATOR_NAME",
    "OPERATOR_CONTACTS",
    "PRIVACY_POLICY_URL",
    "DATA_RETENTION",
)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: never read from the developer's `.env` or environment."""
    values: dict[str, Any] = {
        "bot_token": TEST_TOKEN,
        "database_path": tmp_path / "bot.sqlite3",
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def run_python(code: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """*code* run by a fresh interpreter in the checkout (what importing costs, what is
    logged on a clean start); by default every warning is an error there."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(env) if env is not None else {**os.environ, "PYTHONWARNINGS": "error"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def text_of(message: EmuMessage) -> str:
    """The text of a message the test expects to be text (media messages have none)."""
    assert message.text is not None, f"expected a text message, got {message!r}"
    return message.text


async def rows_about(db: Database, user_id: int, *texts: str) -> list[str]:
    """Every cell of every table that names a person: their id as a number, or their id
    or one of `texts` (their name, what they typed) inside a text; and any row left
    pointing at a deleted one. After a deletion there must be none.

    The tables are read from the database itself, so a table added by a later migration
    is scanned too, with no change here. Give the person an id no other number in the
    test can equal by chance (not 1 or 1001).
    """
    found: list[str] = []
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    needles = (str(user_id), *texts)
    for (table,) in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table}"'):
            for column in row.keys():  # noqa: SIM118 (sqlite3.Row has no __iter__ over keys)
                value = row[column]
                if value == user_id or (
                    isinstance(value, str) and any(needle in value for needle in needles)
                ):
                    found.append(f"{table}.{column} = {value!r}")
    for problem in await db.fetchall("PRAGMA foreign_key_check"):
        found.append(f"{problem[0]}: a row whose {problem[2]} row is gone")
    return found


class Trips:
    """Counts the calls queued to a database connection's thread: aiosqlite hands every
    call to its thread through one queue (a private attribute, read here only to count).
    """

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self._queue = db.connection._tx
        monkeypatch.setattr(db.connection, "_tx", self)

    def put_nowait(self, item: Any) -> None:
        self.count += 1
        self._queue.put_nowait(item)

"""Helpers shared by the test folders (importable as `tests.support`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.emulator import EmuMessage

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


def text_of(message: EmuMessage) -> str:
    """The text of a message the test expects to be text (media messages have none)."""
    assert message.text is not None, f"expected a text message, got {message!r}"
    return message.text

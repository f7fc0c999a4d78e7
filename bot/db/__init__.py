"""Persistence: one aiosqlite connection per process, migrations, repositories (raw SQL)."""

from bot.db.database import Database, DatabaseOpenError, open_database
from bot.db.migrations import MigrationError, apply_migrations

__all__ = [
    "Database",
    "DatabaseOpenError",
    "MigrationError",
    "apply_migrations",
    "open_database",
]

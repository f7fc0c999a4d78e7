"""Logging set-up. Every line passes through a formatter that masks the bot token,
whatever produced it: our code, aiogram, aiohttp, or a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

MASK = "<BOT_TOKEN>"
QUOTING_LOGGERS = ("aiosqlite",)
"""Libraries whose DEBUG lines quote the data they handle: never below INFO."""


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
            # The numeric bot id alone is public; the part after the colon is the secret.
            _, _, tail = secret.partition(":")
            if tail:
                text = text.replace(tail, MASK)
        return text


def setup_logging(level: str, secrets: Iterable[str] = ()) -> RedactingFormatter:
    """Route all logging to stderr through the redacting formatter."""
    formatter = RedactingFormatter(secrets, "%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log and apscheduler's per-run lines are noise at INFO.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    # Personal data stays out of the log at every level: aiosqlite's DEBUG lines quote
    # each statement's parameters (students' names, what they typed).
    for name in QUOTING_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    return formatter

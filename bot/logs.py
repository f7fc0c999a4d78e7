"""Logging set-up. Every line passes through a formatter that masks the bot token and
the other secrets (the webhook's), whatever produced it: our code, aiogram, aiohttp, or
a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping

MASK = "<BOT_TOKEN>"
QUOTING_LOGGERS = ("aiosqlite",)
"""Libraries whose DEBUG lines quote the data they handle: never below INFO."""


def mask_of(variable: str) -> str:
    """What a secret setting's value is replaced with in the log: its variable's name."""
    return f"<{variable}>"


class RedactingFormatter(logging.Formatter):
    """Masks each bot token (and the secret half of it alone) as `<BOT_TOKEN>`, and each
    other secret as the name of its variable, e.g. `<WEBHOOK_SECRET>`."""

    def __init__(
        self,
        secrets: Iterable[str],
        fmt: str | None = None,
        *,
        named: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(fmt)
        self._masks: list[tuple[str, str]] = []
        for secret in secrets:
            self.add_secret(secret)
        for variable, value in (named or {}).items():
            self.add_secret(value, mask_of(variable))

    def add_secret(self, secret: str, mask: str = MASK) -> None:
        if not secret or any(known == secret for known, _ in self._masks):
            return
        self._masks.append((secret, mask))
        # A bot token's numeric id alone is public; the part after the colon is the secret.
        _, _, tail = secret.partition(":")
        if tail:
            self._masks.append((tail, mask))

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret, mask in self._masks:
            text = text.replace(secret, mask)
        return text


def setup_logging(
    level: str, secrets: Iterable[str] = (), *, named: Mapping[str, str] | None = None
) -> RedactingFormatter:
    """Route all logging to stderr through the redacting formatter. `secrets` are bot
    tokens; `named` maps other secret settings' variable names to their values."""
    formatter = RedactingFormatter(
        secrets, "%(asctime)s %(levelname)-7s %(name)s: %(message)s", named=named
    )
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

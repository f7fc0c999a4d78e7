"""Files shipped inside the package: the content folder and the SQL migrations.

In the checkout, ``bot/resources/quizzes`` and ``bot/resources/migrations`` are symbolic
links to the top-level ``quizzes/`` and ``migrations/`` folders; a wheel carries the
files themselves (``[tool.setuptools.package-data]`` in ``pyproject.toml``). Either way
they sit next to this file, so an installed bot finds them wherever it runs from.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

PACKAGED_CONTENT = (_HERE / "quizzes").resolve()
"""The content files the bot ships with (the repository's ``quizzes/``)."""

PACKAGED_MIGRATIONS = (_HERE / "migrations").resolve()
"""The SQL migrations (the repository's ``migrations/``); the only ones ever applied."""

__all__ = ["PACKAGED_CONTENT", "PACKAGED_MIGRATIONS"]

"""Callback data of the quiz buttons: short prefixes and ids only (64 bytes at most)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

SQLITE_INT_MAX = 2**63 - 1

RowId = Annotated[int, Field(ge=1, le=SQLITE_INT_MAX)]
"""A database id in callback data: a number SQLite can hold, so malformed data
(`r:9223372036854775808`) fails to unpack and is answered like any stale button."""

Step = Annotated[int, Field(ge=0, le=10_000)]


class Act(StrEnum):
    ANSWER = "a"
    CONTINUE = "c"
    BACK = "b"
    PAUSE = "p"


class QuizCb(CallbackData, prefix="q"):
    """A press on the current node of an attempt; `step` and `node` pin the exact state."""

    act: Act
    attempt: RowId
    step: Step
    node: str
    option: str = ""


class Menu(StrEnum):
    START = "start"  # start, or resume the attempt in progress
    RESUME = "resume"
    RESTART = "restart"
    TIPS = "tips"
    RESULTS = "results"


class QuizMenuCb(CallbackData, prefix="qm"):
    action: Menu


class Part(StrEnum):
    """Which part of a finished attempt's result to show."""

    SUMMARY = "s"
    REVIEW = "r"
    PAY = "p"
    LEARN = "l"
    CHANGE = "c"


class ResultCb(CallbackData, prefix="r"):
    attempt: RowId
    part: Part = Part.SUMMARY

"""Callback data of the quiz buttons: short prefixes and ids only (64 bytes at most)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class Act(StrEnum):
    ANSWER = "a"
    CONTINUE = "c"
    BACK = "b"
    PAUSE = "p"


class QuizCb(CallbackData, prefix="q"):
    """A press on the current node of an attempt; `step` and `node` pin the exact state."""

    act: Act
    attempt: int
    step: int
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


class ResultCb(CallbackData, prefix="r"):
    attempt: int


class LanguageCb(CallbackData, prefix="lang"):
    code: str

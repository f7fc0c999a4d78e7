"""A local Telegram Bot API emulator so the real bot can be tested end to end without Telegram."""

from bot.emulator.emulator import DEFAULT_TOKEN, Emulator
from bot.emulator.errors import ApiError, EmulatorError, UnknownMessageError
from bot.emulator.media import tiny_png
from bot.emulator.models import (
    SENDING_METHODS,
    ApiCall,
    ChatEvent,
    EmuMedia,
    EmuMessage,
    EmuUser,
    Fault,
    FaultRule,
    InlineButton,
    StoredFile,
)
from bot.emulator.server import ApiFailure
from bot.emulator.student import ExpectationError, ExpectationTimeout, Student

__all__ = [
    "DEFAULT_TOKEN",
    "SENDING_METHODS",
    "ApiCall",
    "ApiError",
    "ApiFailure",
    "ChatEvent",
    "EmuMedia",
    "EmuMessage",
    "EmuUser",
    "Emulator",
    "EmulatorError",
    "ExpectationError",
    "ExpectationTimeout",
    "Fault",
    "FaultRule",
    "InlineButton",
    "StoredFile",
    "Student",
    "UnknownMessageError",
    "tiny_png",
]

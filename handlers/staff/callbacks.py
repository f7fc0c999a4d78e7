"""Callback data of the staff buttons. Every id in them is checked again by the
service against the person who pressed: a forged centre id gets nothing."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.stats.report import Period
from handlers.quiz.callbacks import RowId

UserId = Annotated[int, Field(ge=1, le=2**53)]
CentreOrAll = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A centre's id, or 0 for every student of the bot (admins only)."""


class CentreAction(StrEnum):
    OPEN = "open"  # the centre's card: link, QR code, numbers
    QR = "qr"
    LIST = "list"  # back to /centres
    ARCHIVED = "arch_list"
    INVITE = "invite"
    MANAGERS = "managers"
    REVOKE = "revoke"  # asks first
    REVOKE_SURE = "revoke!"
    RENAME = "rename"
    ARCHIVE = "archive"
    RESTORE = "restore"


class CentreCb(CallbackData, prefix="cc"):
    action: CentreAction
    centre: RowId | None = None
    user: UserId | None = None


class StatsAction(StrEnum):
    SHOW = "show"
    EXPORT = "csv"
    CHOOSE = "choose"  # an admin's list of centres


class StatsCb(CallbackData, prefix="st"):
    action: StatsAction
    centre: CentreOrAll = 0
    period: Period = Period.MONTH


class DigestCb(CallbackData, prefix="dg"):
    centre: RowId
    on: bool


class OperatorAction(StrEnum):
    LIST = "list"
    REVOKE = "revoke"  # asks first
    REVOKE_SURE = "revoke!"


class OperatorCb(CallbackData, prefix="op"):
    action: OperatorAction
    user: UserId | None = None


class BcAction(StrEnum):
    TIPS = "tips"  # the catalogue's categories
    CATEGORY = "cat"  # value: a category id
    TIP = "tip"  # value: a tip id
    SKIP = "skip"  # no link buttons
    AUDIENCE = "aud"
    SET = "set"  # value: "field=value"
    CENTRES = "centres"
    PREVIEW = "preview"
    NOW = "now"
    LATER = "later"
    CONFIRM = "go"  # value: "" (now) or the start as epoch seconds
    DISCARD = "discard"
    OPEN = "open"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"  # asks first
    STOP_SURE = "stop!"


class BcCb(CallbackData, prefix="bc"):
    action: BcAction
    id: int = 0
    value: str = ""

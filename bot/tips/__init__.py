"""Learning tips: the catalogue in ``quizzes/tips.yaml`` (content of ``kind: tips``,
:data:`TIPS_KIND`) and the planner that decides which tip a student gets and when.
Pure Python: no aiogram, no database, no event loop.
"""

from bot.tips.catalogue import (
    CORE_CATEGORIES,
    CORE_MIN_TIPS,
    TIPS_KIND,
    Tip,
    TipCatalogue,
    load_tips,
)
from bot.tips.planner import (
    ANY_TIME,
    DEFAULT_WINDOW,
    RUSSIAN_TIMEZONES,
    PendingTip,
    Window,
    next_in_window,
    order_tips,
    parse_duration,
    reschedule,
    schedule,
    select_due,
    timezone_label,
)

__all__ = [
    "ANY_TIME",
    "CORE_CATEGORIES",
    "CORE_MIN_TIPS",
    "DEFAULT_WINDOW",
    "RUSSIAN_TIMEZONES",
    "TIPS_KIND",
    "PendingTip",
    "Tip",
    "TipCatalogue",
    "Window",
    "load_tips",
    "next_in_window",
    "order_tips",
    "parse_duration",
    "reschedule",
    "schedule",
    "select_due",
    "timezone_label",
]

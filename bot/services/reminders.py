"""One nudge to students who left the quiz unfinished, inside their local daytime.

A delivery source on the quiz side: each stalled attempt is reminded at most once
(the claim marks it), and only while it is still the student's attempt in progress.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.db.attempts import AttemptsRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.i18n import user_locale
from bot.quiz import QuizRun
from bot.services.delivery import Letter, SourceReport
from bot.services.quiz import Position, QuizService
from bot.tips.planner import Window, in_window

ReminderRenderer = Callable[[QuizRun, str], tuple[str, InlineKeyboardMarkup | None]]

BATCH = 100


class QuizReminders:
    name = "reminders"

    def __init__(
        self,
        *,
        attempts: AttemptsRepo,
        quiz: QuizService,
        users: UsersRepo,
        tips: TipsRepo,
        i18n: I18n,
        render: ReminderRenderer,
        delay: timedelta,
        window: Window,
        timezone: str,
    ) -> None:
        self._attempts = attempts
        self._quiz = quiz
        self._users = users
        self._tips = tips
        self._i18n = i18n
        self._render = render
        self._delay = delay
        self._window = window
        self._tz = ZoneInfo(timezone)

    async def recover(self) -> None:
        """Nothing to undo: a reminder is claimed once and never sent twice."""

    async def collect(self, now: datetime, report: SourceReport) -> Sequence[Letter]:
        if self._delay <= timedelta(0):
            return []
        letters: list[Letter] = []
        for attempt_id, user_id in await self._attempts.stalled(now - self._delay, BATCH):
            if not await self._daytime(user_id, now):
                continue  # not at night: asked again on a later tick
            current = await self._quiz.current(user_id)
            if not isinstance(current, Position) or current.attempt.id != attempt_id:
                continue
            user = await self._users.get(user_id)
            locale = user_locale(user, None, self._i18n.default_locale)
            with self._i18n.context(), self._i18n.use_locale(locale):
                text, markup = self._render(current.run, locale)
            claim = partial(self._attempts.mark_reminded, attempt_id, now)
            letters.append(Letter(user_id, text, markup, claim=claim))
        return letters

    async def _daytime(self, user_id: int, now: datetime) -> bool:
        """Inside the student's tips window if they chose one, else the default window."""
        sub = await self._tips.subscription(user_id)
        if sub is not None:
            return in_window(now, sub.window, sub.tz)
        return in_window(now, self._window, self._tz)

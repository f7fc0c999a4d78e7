"""The composition root: builds the bot, dispatcher, database, scheduler and services,
and hands them to handlers through the dispatcher's workflow data."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.broadcast import Sender
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database, apply_migrations, open_database
from bot.db.attempts import AttemptsRepo
from bot.db.broadcasts import BroadcastsRepo
from bot.db.centres import CentresRepo, DigestsRepo, StaffRepo
from bot.db.fsm_storage import SQLiteStorage
from bot.db.stats import StatsRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.i18n import UserLocaleMiddleware, build_i18n
from bot.kinds import content_folder, load_content
from bot.middlewares import InFlightMiddleware, UserMiddleware
from bot.quiz import Quiz
from bot.services.broadcasts import (
    BroadcastProgress,
    BroadcastRender,
    BroadcastService,
    BroadcastSettings,
)
from bot.services.centres import CentresService
from bot.services.delivery import Delivery
from bot.services.digests import DigestService
from bot.services.quiz import QuizService
from bot.services.reminders import QuizReminders
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.students import StudentService
from bot.services.tips import PlanSettings, TipsService
from bot.services.tips_outbox import TipsOutbox
from bot.tips.catalogue import TipCatalogue
from handlers import build_router
from handlers.errors import AnswerPresses
from handlers.menu import set_commands, set_staff_menu
from handlers.staff.broadcast_view import (
    progress_screen,
    recipient_markup,
    recipient_tip,
    report_text,
)
from handlers.staff.stats import digest_screen
from handlers.tips import reminder_screen, tip_screen

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0
PROGRESS_SECONDS = 3.0
"""How often an operator's broadcast progress message is brought up to date."""


@dataclass(frozen=True)
class Services:
    """Everything handlers may talk to (through the dispatcher's workflow data), and the
    delivery the scheduler wakes up. Built once per application."""

    students: StudentService
    quiz: QuizService
    tips: TipsService
    staff: StaffService
    centres: CentresService
    stats: StatsService
    digests: DigestService
    broadcasts: BroadcastService
    progress: BroadcastProgress
    delivery: Delivery

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        reader: Database,
        bot: Bot,
        clock: Clock,
        i18n: I18n,
        quizzes: Mapping[str, Quiz],
        catalogue: TipCatalogue,
        option_seeds: Callable[[], int] | None = None,
    ) -> Services:
        users, attempts, tips_repo = UsersRepo(db), AttemptsRepo(db), TipsRepo(db)
        centres_repo = CentresRepo(db)
        staff = StaffService(settings.admin_ids, StaffRepo(db))
        centres = CentresService(
            centres_repo, StaffRepo(db), staff, clock, invite_ttl=settings.invite_ttl
        )
        students = StudentService(users, tips_repo, centres_repo, clock)
        quiz = QuizService(attempts, quizzes, clock, option_seeds=option_seeds)
        tips = TipsService(
            repo=tips_repo,
            quiz=quiz,
            catalogue=catalogue,
            clock=clock,
            settings=PlanSettings(
                first_delay=settings.tips_first_delay,
                interval=settings.tips_interval,
                window=settings.tips_window,
                count=settings.tips_count,
                timezone=settings.timezone,
            ),
        )
        outbox = TipsOutbox(
            repo=tips_repo,
            catalogue=catalogue,
            i18n=i18n,
            render=tip_screen,
            grace=settings.tips_grace,
        )
        reminders = QuizReminders(
            attempts=attempts,
            quiz=quiz,
            users=users,
            tips=tips_repo,
            i18n=i18n,
            render=reminder_screen,
            delay=settings.quiz_reminder_delay,
            window=settings.tips_window,
            timezone=settings.timezone,
        )
        stats = StatsService(StatsRepo(reader), quiz.quiz, clock, settings.stats_min_group)
        digests = DigestService(
            DigestsRepo(db),
            stats,
            i18n,
            render=partial(digest_screen, quiz.quiz),
            timezone=settings.tz,
        )
        broadcasts = BroadcastService(
            repo=BroadcastsRepo(db),
            users=users,
            staff=staff,
            i18n=i18n,
            render=BroadcastRender(
                markup=recipient_markup,
                tip=partial(recipient_tip, catalogue),
                progress=partial(progress_screen, tz=settings.tz),
                report=report_text,
            ),
            clock=clock,
            settings=BroadcastSettings(
                default_locale=settings.default_locale,
                rate=settings.send_rate,
                paid=settings.paid_broadcast,
            ),
        )
        delivery = Delivery(
            bot=bot,
            sender=Sender(rate=settings.send_rate),
            sources=(outbox, reminders, digests, broadcasts),
            on_blocked=students.blocked,
            clock=clock,
        )
        broadcasts.wake = delivery.wake
        progress = BroadcastProgress(broadcasts, users, bot)
        return cls(
            students, quiz, tips, staff, centres, stats, digests, broadcasts, progress, delivery
        )


@dataclass
class App:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    db: Database
    reader: Database
    scheduler: AsyncIOScheduler
    clock: Clock
    inflight: InFlightMiddleware
    services: Services
    _closed: bool = field(default=False, init=False)

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        """Poll until stopped (SIGINT/SIGTERM or `stop()`), then shut down cleanly."""
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
            )
        finally:
            await self.close()

    async def stop(self) -> None:
        """Ask polling to stop; `run_polling` returns once shutdown is complete."""
        await self.dispatcher.stop_polling()

    async def close(self) -> None:
        """Release everything; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.bot.session.close()
        if self.reader is not self.db:
            await self.reader.close()
        await self.db.close()


def build_bot(settings: Settings) -> Bot:
    # Any Bot API server works: the official one, a self-hosted telegram-bot-api, the emulator.
    server = TelegramAPIServer.from_base(settings.api_base_url)
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=AiohttpSession(api=server),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    option_seeds: Callable[[], int] | None = None,
) -> App:
    """Open and migrate the database, then wire everything together. `clock` and
    `option_seeds` (each quiz attempt's order of options) are for tests."""
    clock = clock or SystemClock()
    db = await open_database(settings.database_path)
    try:
        await apply_migrations(db)
    except BaseException:
        await db.close()
        raise

    i18n = build_i18n(settings.default_locale)
    try:
        content = load_content(content_folder(settings.content_dir))
        quizzes, catalogue = content.quizzes, content.tips
    except BaseException:
        await db.close()
        raise
    try:
        # Statistics read on a connection of their own: students never wait for them.
        reader = (
            db
            if str(settings.database_path) == ":memory:"
            else await open_database(settings.database_path, read_only=True)
        )
    except BaseException:
        await db.close()
        raise
    bot = build_bot(settings)
    services = Services.build(
        settings, db, reader, bot, clock, i18n, quizzes, catalogue, option_seeds
    )
    scheduler = AsyncIOScheduler(timezone=settings.tz)
    inflight = InFlightMiddleware()

    dispatcher = Dispatcher(
        storage=SQLiteStorage(db, clock=clock),
        # One student's updates are handled one at a time: two fast presses never race.
        events_isolation=SimpleEventIsolation(),
    )
    dispatcher.update.outer_middleware(inflight)
    dispatcher.update.outer_middleware(UserMiddleware(services.students))
    dispatcher.update.outer_middleware(UserLocaleMiddleware(i18n))
    dispatcher.callback_query.middleware(AnswerPresses())
    dispatcher.include_router(build_router())
    dispatcher.workflow_data.update(
        settings=settings,
        i18n=i18n,
        students=services.students,
        quiz_service=services.quiz,
        tips=services.tips,
        staff=services.staff,
        centres=services.centres,
        stats_service=services.stats,
        digests=services.digests,
        broadcasts=services.broadcasts,
        clock=clock,
    )

    app = App(settings, bot, dispatcher, db, reader, scheduler, clock, inflight, services)
    delivery = services.delivery

    async def on_startup(bot: Bot) -> None:
        me = await bot.me()
        await set_commands(bot, i18n)
        staff = services.staff
        for user_id in sorted(staff.admin_ids | set(await staff.granted())):
            await set_staff_menu(bot, i18n, user_id, await staff.access(user_id))
        await delivery.recover()
        scheduler.add_job(
            delivery.tick,
            "interval",
            seconds=settings.tips_tick.total_seconds(),
            id="delivery",
            # A tick may drain a big broadcast for minutes. The run that falls due
            # meanwhile returns at once (Delivery.tick never runs twice at a time; the
            # running one collects again every round anyway), instead of APScheduler
            # warning each minute that it skipped the job.
            max_instances=2,
            coalesce=True,
            # Wall time, not the domain clock: the scheduler only wakes the job up.
            next_run_time=datetime.now(UTC),  # catch up at once on what fell due while down
        )
        scheduler.add_job(
            services.progress.tick,
            "interval",
            seconds=PROGRESS_SECONDS,
            id="broadcast-progress",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        log.info("bot @%s (id %d) started", me.username, me.id)

    async def on_shutdown() -> None:
        await inflight.drain(SHUTDOWN_GRACE_SECONDS)
        if scheduler.running:
            scheduler.pause()  # no new tick; the one sending now may finish
            await delivery.wait_idle(SHUTDOWN_GRACE_SECONDS)
            scheduler.shutdown(wait=False)
        log.info("bot stopped")

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


async def run(settings: Settings) -> None:
    app = await build_app(settings)
    await app.run_polling()

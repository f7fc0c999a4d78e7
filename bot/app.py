"""The composition root: builds the bot, dispatcher, database, scheduler and services,
and hands them to handlers through the dispatcher's workflow data."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.broadcast import Sender
from bot.clock import Clock, SystemClock
from bot.config import HEALTH_TIMEOUT_SECONDS, Settings
from bot.db import Database, apply_migrations, open_database
from bot.db.attempts import AttemptsRepo
from bot.db.broadcasts import BroadcastsRepo
from bot.db.centres import CentresRepo, DigestsRepo, StaffRepo
from bot.db.changes import PersonChanges, watch_people
from bot.db.database import RunLock, hold_database
from bot.db.fsm_storage import SQLiteStorage
from bot.db.maintenance import probe
from bot.db.privacy import PrivacyRepo
from bot.db.stats import StatsRepo
from bot.db.tips import TipsRepo
from bot.db.users import UsersRepo
from bot.i18n import UserLocaleMiddleware, build_i18n
from bot.kinds import Content, content_folder, load_content
from bot.middlewares import InFlightMiddleware, UserMiddleware
from bot.quiz import Quiz
from bot.render import worker as render_worker
from bot.response_models import KeepResponseModels
from bot.services.broadcasts import (
    BroadcastProgress,
    BroadcastRender,
    BroadcastService,
    BroadcastSettings,
)
from bot.services.centres import CentresService
from bot.services.delivery import Delivery
from bot.services.digests import DigestService
from bot.services.privacy import Notice, PrivacyService
from bot.services.quiz import QuizService
from bot.services.reminders import QuizReminders
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.students import StudentService
from bot.services.tips import PlanSettings, TipsService
from bot.services.tips_outbox import TipsOutbox
from bot.session import JsonBodySession
from bot.tips.catalogue import TipCatalogue
from bot.webhook import WebhookError, start_server, web_application
from handlers import build_router
from handlers.errors import AnswerPresses
from handlers.menu import set_commands, set_staff_menu
from handlers.privacy import notice_text
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
"""At shutdown, updates in flight get this long to finish, then the delivery's round."""
WEBHOOK_CLOSE_SECONDS = 5.0
"""Webhook mode: what connections still open after that get before they are cut."""
LONGEST_SHUTDOWN_SECONDS = 2 * SHUTDOWN_GRACE_SECONDS + WEBHOOK_CLOSE_SECONDS
"""How long a supervisor must let a stopping bot run before killing it (systemd's
TimeoutStopSec, compose's stop_grace_period; tests/unit/test_deploy.py compares them)."""
PROGRESS_SECONDS = 3.0
"""How often an operator's broadcast progress message is brought up to date."""
RETENTION_HOURS = 24
"""How often the retention job looks for students inactive for longer than DATA_RETENTION."""


def build_notice(settings: Settings, i18n: I18n) -> Notice:
    """The personal data notice in every language the bot speaks."""
    texts = {}
    for locale in sorted(i18n.available_locales):
        with i18n.context(), i18n.use_locale(locale):
            texts[locale] = notice_text(settings, locale)
    return Notice(texts)


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
    privacy: PrivacyService

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
        people: PersonChanges,
        option_seeds: Callable[[], int] | None = None,
    ) -> Services:
        users, attempts, tips_repo = UsersRepo(db), AttemptsRepo(db), TipsRepo(db)
        centres_repo = CentresRepo(db)
        staff = StaffService(settings.admin_ids, StaffRepo(db))
        centres = CentresService(
            centres_repo, StaffRepo(db), staff, clock, invite_ttl=settings.invite_ttl
        )
        notice = build_notice(settings, i18n)
        students = StudentService(
            users,
            tips_repo,
            centres_repo,
            clock,
            staff=staff,
            consent_version=notice.version,
            people=people,
        )
        privacy = PrivacyService(
            PrivacyRepo(db),
            students,
            staff,
            clock,
            notice=notice,
            retention=settings.data_retention,
        )
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
            students,
            quiz,
            tips,
            staff,
            centres,
            stats,
            digests,
            broadcasts,
            progress,
            delivery,
            privacy,
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
    lock: RunLock | None = None
    """Held while the app is open: no second bot on the same database."""
    _closed: bool = field(default=False, init=False)
    _stop_webhook: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    @property
    def webhook(self) -> bool:
        return self.settings.webhook_url is not None

    async def run(self, *, handle_signals: bool = True) -> None:
        """Serve updates until stopped (SIGINT/SIGTERM or `stop()`), then shut down
        cleanly: through a webhook when WEBHOOK_URL is set, else by long polling."""
        if self.webhook:
            await self.run_webhook(handle_signals=handle_signals)
        else:
            await self.run_polling(handle_signals=handle_signals)

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        try:
            # Telegram refuses getUpdates while a webhook is set: one left by webhook mode
            # is removed. The updates waiting for it are kept and polled.
            if (await self.bot.get_webhook_info()).url:
                await self.bot.delete_webhook(drop_pending_updates=False)
                log.info("deleted the webhook to poll instead; pending updates are kept")
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
            )
        finally:
            await self.close()

    async def run_webhook(self, *, handle_signals: bool = True) -> None:
        """Start up, listen on WEBHOOK_HOST:WEBHOOK_PORT, then tell Telegram where to send.

        At shutdown the webhook stays set: Telegram keeps the updates (up to a day) and
        retries until the bot is back; `setWebhook` at the next start-up asks for them at
        once. Polling mode deletes it when an admin switches back.
        """
        settings = self.settings
        assert settings.webhook_url is not None
        assert settings.webhook_secret is not None
        self._stop_webhook.clear()
        web_app = web_application(
            self.dispatcher,
            self.bot,
            path=settings.webhook_path,
            secret=settings.webhook_secret.get_secret_value(),
            health=self.health,
        )
        loop = asyncio.get_running_loop()
        if handle_signals:  # from the start: a SIGTERM during start-up stops it cleanly too
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self._stop_webhook.set)
        try:
            runner = await start_server(
                web_app,
                settings.webhook_host,
                settings.webhook_port,
                close_timeout=WEBHOOK_CLOSE_SECONDS,
            )
            try:
                await self._set_webhook()
                await self._stop_webhook.wait()
                log.info("webhook: stopping; updates in flight finish first")
            finally:
                await runner.cleanup()
        finally:
            if handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
            await self.close()

    async def _set_webhook(self) -> None:
        settings = self.settings
        assert settings.webhook_secret is not None
        try:
            await self.bot.set_webhook(
                str(settings.webhook_url),
                secret_token=settings.webhook_secret.get_secret_value(),
                # As polling: the update kinds the routers handle; pending ones kept.
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
        except TelegramBadRequest as exc:  # e.g. not https, or a port Telegram does not use
            raise WebhookError(f"WEBHOOK_URL: Telegram refused it: {exc.message}") from None
        log.info(
            "webhook: listening on %s:%d, Telegram sends updates to %s",
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_url,
        )

    async def stop(self) -> None:
        """Ask the bot to stop; `run` returns once shutdown is complete."""
        if self.webhook:
            self._stop_webhook.set()
        else:
            await self.dispatcher.stop_polling()

    async def health(self) -> str | None:
        """None while the bot's own connection answers and the database file can be opened
        and read anew (a lost volume shows here), else the reason in one line."""
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
                await self.db.fetchval("SELECT 1")
                await asyncio.to_thread(probe, self.settings.database_path)
        except TimeoutError:
            return f"the database did not answer within {HEALTH_TIMEOUT_SECONDS:g} s"
        except Exception as exc:  # whatever it is, the check reports it: that is its job
            return f"database: {exc}"
        return None

    async def close(self) -> None:
        """Release everything; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            await self.bot.session.close()
        finally:
            await _close_storage(self.db, self.reader, self.lock)


async def _close_storage(
    db: Database | None, reader: Database | None, lock: RunLock | None
) -> None:
    """Close the statistics reader, then the database, then let the lock go, each even
    if the step before failed; None for what was never opened. The database closes
    before the lock goes: nothing is left to write when another process may take it."""
    try:
        if reader is not None and reader is not db:
            await reader.close()
    finally:
        try:
            if db is not None:
                await db.close()
        finally:
            if lock is not None:
                lock.release()


def build_bot(settings: Settings) -> Bot:
    # Any Bot API server works: the official one, a self-hosted telegram-bot-api, the emulator.
    server = TelegramAPIServer.from_base(settings.api_base_url)
    bot = Bot(
        token=settings.bot_token.get_secret_value(),
        session=JsonBodySession(api=server),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    bot.session.middleware(KeepResponseModels())
    return bot


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    option_seeds: Callable[[], int] | None = None,
    command: str = "careerbot run",
) -> App:
    """Open and migrate the database, then wire everything together. `clock` and
    `option_seeds` (each quiz attempt's order of options) are for tests; `command` is
    what the database's lock file says holds it."""
    clock = clock or SystemClock()
    lock = hold_database(settings.database_path, command)
    db: Database | None = None
    reader: Database | None = None
    try:
        db = await open_database(settings.database_path)
        await apply_migrations(db)
        people = await watch_people(db)
        i18n = build_i18n(settings.default_locale)
        content = load_content(content_folder(settings.content_dir))
        # Statistics read on a connection of their own: students never wait for them.
        reader = (
            db
            if str(settings.database_path) == ":memory:"
            else await open_database(settings.database_path, read_only=True)
        )
        return _wire(settings, db, reader, lock, clock, i18n, content, people, option_seeds)
    except BaseException:
        await _close_storage(db, reader, lock)
        raise


def _wire(
    settings: Settings,
    db: Database,
    reader: Database,
    lock: RunLock | None,
    clock: Clock,
    i18n: I18n,
    content: Content,
    people: PersonChanges,
    option_seeds: Callable[[], int] | None,
) -> App:
    """The app over its open database: services, dispatcher, scheduler and hooks."""
    quizzes, catalogue = content.quizzes, content.tips
    bot = build_bot(settings)
    services = Services.build(
        settings, db, reader, bot, clock, i18n, quizzes, catalogue, people, option_seeds
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
        privacy=services.privacy,
        clock=clock,
    )

    app = App(
        settings, bot, dispatcher, db, reader, scheduler, clock, inflight, services, lock=lock
    )
    delivery = services.delivery

    async def on_startup(bot: Bot) -> None:
        me = await bot.me()
        await services.privacy.publish()
        if missing := settings.privacy_unconfigured:
            log.warning(
                "personal data: %s not set; the consent notice lacks them (see the README)",
                ", ".join(missing),
            )
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
        scheduler.add_job(
            services.privacy.purge_inactive,
            "interval",
            hours=RETENTION_HOURS,
            id="retention",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # at start-up too: a bot often restarted still purges
        )
        scheduler.start()
        log.info("bot @%s (id %d) started", me.username, me.id)

    async def on_shutdown() -> None:
        await inflight.drain(SHUTDOWN_GRACE_SECONDS)
        if scheduler.running:
            scheduler.pause()  # no new tick; the one sending now may finish
            await delivery.wait_idle(SHUTDOWN_GRACE_SECONDS)
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler stops on the loop's next turn
        log.info("bot stopped")

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return app


def freeze_startup_objects() -> None:
    """Once the application is built: what start-up made (aiogram's models of the whole
    Bot API, the content, the quiz) lives as long as the process. `gc.freeze` takes it
    out of the garbage collector's view, so a full collection walks only what updates
    create instead of pausing the event loop to check all of it again (at a thousand
    messages a second those pauses cost a tenth of the rate)."""
    gc.collect()
    gc.freeze()


async def run(settings: Settings) -> None:
    app = await build_app(settings)
    freeze_startup_objects()
    try:
        await app.run()
    finally:
        # The drawing process is the process's, not one application's: it goes last.
        await asyncio.to_thread(render_worker.shutdown)

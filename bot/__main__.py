"""The `careerbot` command line: run, playground, migrate, health, backup, restore, quiz
check/graph/measure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import (
    HEALTH_TIMEOUT_SECONDS,
    CoreSettings,
    ServeSettings,
    Settings,
    SettingsError,
    load_settings,
)
from bot.content import ContentError
from bot.db import DatabaseOpenError, MigrationError
from bot.db.database import DatabaseInUse
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.db.maintenance import Backup

log = logging.getLogger("careerbot")

EXIT_IN_USE = 75
"""Another process holds the database (`EX_TEMPFAIL`): the same command works once it is
done. Not 2, which means a setting is wrong: systemd restarts the bot after 75 and never
after 2 (see deploy/careerbot.service)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot",
        description="Career-guidance Telegram bot for customer-support roles.",
    )
    parser.add_argument("--version", action="version", version=f"careerbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser(
        "run", help="run the bot (long polling, or a webhook if WEBHOOK_URL is set) until SIGTERM"
    )
    sub.add_parser("migrate", help="apply pending database migrations and exit")
    sub.add_parser(
        "health",
        help="exit 0 if the bot's database answers (with a webhook: if its /healthz does), "
        "else print why and exit 1; for Docker's HEALTHCHECK",
    )
    backup = sub.add_parser(
        "backup",
        help="copy the database consistently while the bot runs (SQLite's online backup)",
    )
    backup.add_argument(
        "file",
        metavar="FILE",
        help="the backup file (replaced once the copy is complete and checked), or a folder "
        "(existing, or ending in /) to put a file named after the time in",
    )

    quiz = sub.add_parser("quiz", help="check quiz files or draw a quiz as a diagram")
    quiz_sub = quiz.add_subparsers(dest="quiz_command", required=True, metavar="ACTION")
    check = quiz_sub.add_parser(
        "check",
        help="validate quiz and tips files (default: every file of CONTENT_DIR, "
        "else of the content shipped with the bot)",
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE")
    graph = quiz_sub.add_parser("graph", help="print a quiz as a Mermaid or Graphviz diagram")
    graph.add_argument("file", type=Path, metavar="FILE")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    measured = quiz_sub.add_parser(
        "measure",
        help="print the questions scoring each trait on every path of a quiz, "
        "and how far one answer can move each trait",
    )
    measured.add_argument("file", type=Path, metavar="FILE")

    play = sub.add_parser(
        "playground", help="chat with the bot in this terminal: no token, no network"
    )
    play.add_argument(
        "--database",
        type=Path,
        default=Path("data/playground.sqlite3"),
        help="database file for the playground (default: %(default)s)",
    )
    play.add_argument("--user-id", type=int, default=1001, help="your simulated Telegram id")
    play.add_argument("--name", default="Student", help="your simulated first name")
    play.add_argument(
        "--language", default="ru", help="your simulated Telegram language code (ru, en, ...)"
    )
    play.add_argument(
        "--media",
        type=Path,
        default=Path("data/playground-media"),
        metavar="FOLDER",
        help="where pictures and files the bot sends are saved (default: %(default)s)",
    )
    restore = sub.add_parser(
        "restore",
        help="put a backup back as the database (stop the bot first); the backup is checked "
        "and left as it is",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a file made by `backup`")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run()
        if args.command == "migrate":
            return _migrate()
        if args.command == "health":
            return _health()
        if args.command == "backup":
            return _backup(args.file)
        if args.command == "restore":
            return _restore(args.file)
        if args.command == "quiz":
            return _quiz(args)
        if args.command == "playground":
            from bot.playground import run_playground

            return asyncio.run(
                run_playground(
                    database=args.database,
                    user_id=args.user_id,
                    first_name=args.name,
                    language_code=args.language,
                    media_dir=args.media,
                )
            )
    except SettingsError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    except DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        return EXIT_IN_USE
    except DatabaseOpenError as exc:
        print(f"DATABASE_PATH: {exc}", file=sys.stderr)
        return 2
    except MigrationError as exc:
        print(f"Migration failed: {exc}", file=sys.stderr)
        return 1
    except ContentError as exc:
        print("Content files have problems; run `careerbot quiz check`:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")


def _run() -> int:
    settings = load_settings(Settings)
    named = (
        {"WEBHOOK_SECRET": settings.webhook_secret.get_secret_value()}
        if settings.webhook_secret
        else {}
    )
    setup_logging(settings.log_level, secrets=[settings.bot_token.get_secret_value()], named=named)
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import run
    from bot.webhook import WebhookError

    try:
        asyncio.run(run(settings))
    except TelegramUnauthorizedError:
        print(
            "Telegram refused BOT_TOKEN (401 Unauthorized): check the token from @BotFather.",
            file=sys.stderr,
        )
        return 2
    except TelegramNetworkError as exc:
        print(f"Cannot reach the Bot API at {settings.api_base_url}: {exc}", file=sys.stderr)
        return 1
    except WebhookError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def _health() -> int:
    """One line on stdout; 0 healthy, 1 not. Polling: the database file opens and answers.
    Webhook: the running bot's /healthz answers 200 (it checks the database itself)."""
    settings = load_settings(ServeSettings)
    if settings.webhook_url is not None:
        healthy, line = _ask_health(settings.health_url)
    else:
        from bot.db.maintenance import probe

        try:
            migrations = probe(settings.database_path)
        except DatabaseOpenError as exc:
            healthy, line = False, f"database: {exc}"
        else:
            healthy, line = (
                True,
                f"database {settings.database_path} answers ({migrations} migrations)",
            )
    print(f"{'ok' if healthy else 'unhealthy'}: {line}")
    return 0 if healthy else 1


def _ask_health(url: str) -> tuple[bool, str]:
    """GET the running bot's /healthz (stdlib only: the check runs every 30 s and must not
    import aiogram): whether it answered 200, and a line saying what answered."""
    import urllib.error
    import urllib.request

    try:
        # The URL is built from settings: http to this machine.
        with urllib.request.urlopen(url, timeout=2 * HEALTH_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read().decode("utf-8", "replace").strip()
            return True, f"{url} answered {response.status} {body}"
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip()
        return False, f"{url} answered {exc.code}: {body}"
    except OSError as exc:  # URLError, refused, timed out
        return False, f"nothing answers at {url}: {getattr(exc, 'reason', exc)}"


def _backup(target: str) -> int:
    from bot.db.maintenance import backup

    database = load_settings(CoreSettings).database_path
    folder = target.endswith(("/", os.sep))
    return _copy("Backup", lambda: backup(database, Path(target), into_folder=folder), database)


def _restore(source: Path) -> int:
    from bot.db.maintenance import restore

    database = load_settings(CoreSettings).database_path
    return _copy("Restore", lambda: restore(source, database), source)


def _copy(what: str, copy: Callable[[], Backup], source: Path) -> int:
    """Run a backup or a restore: one line saying what was copied where, or why not."""
    try:
        done = copy()
    except DatabaseInUse as exc:
        print(f"{what} failed: {exc}", file=sys.stderr)
        return EXIT_IN_USE
    except DatabaseOpenError as exc:
        print(f"{what} failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"{source} -> {done.path}: {done.pages} pages, "
        f"{done.size / 2**20:.1f} MiB, integrity ok, {done.seconds:.1f} s"
    )
    return 0


def _quiz(args: argparse.Namespace) -> int:
    from bot.content import run_check
    from bot.kinds import KINDS, content_folder
    from bot.quiz.cli import run_graph, run_measure

    if args.quiz_command == "graph":
        return run_graph(args.file, args.format, sys.stdout, kinds=KINDS)
    if args.quiz_command == "measure":
        return run_measure(args.file, sys.stdout, kinds=KINDS)
    # Only the default folder needs the settings: named files are checked even with a bad .env.
    configured = load_settings(CoreSettings).content_dir if not args.files else None
    folder = content_folder(configured)
    return run_check(args.files, sys.stdout, kinds=KINDS, folder=folder)


def _migrate() -> int:
    settings = load_settings(CoreSettings)
    setup_logging(settings.log_level)

    async def migrate() -> int:
        from bot.db import apply_migrations, open_database
        from bot.db.database import hold_database

        lock = hold_database(settings.database_path, "careerbot migrate")
        try:
            db = await open_database(settings.database_path)
            try:
                applied = await apply_migrations(db)
            finally:
                await db.close()
        finally:
            if lock is not None:
                lock.release()
        names = ", ".join(m.path.name for m in applied) or "none"
        print(f"{settings.database_path}: applied {len(applied)} migration(s): {names}")
        return 0

    return asyncio.run(migrate())


if __name__ == "__main__":
    sys.exit(main())

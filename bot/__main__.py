"""The `careerbot` command line: run, playground, migrate, quiz check/graph/measure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import CoreSettings, Settings, SettingsError, load_settings
from bot.content import ContentError
from bot.db import DatabaseOpenError, MigrationError
from bot.logs import setup_logging

log = logging.getLogger("careerbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot",
        description="Career-guidance Telegram bot for customer-support roles.",
    )
    parser.add_argument("--version", action="version", version=f"careerbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the bot (long polling) until SIGINT/SIGTERM")
    sub.add_parser("migrate", help="apply pending database migrations and exit")

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run()
        if args.command == "migrate":
            return _migrate()
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
    setup_logging(settings.log_level, secrets=[settings.bot_token.get_secret_value()])
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import run

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

        db = await open_database(settings.database_path)
        try:
            applied = await apply_migrations(db)
        finally:
            await db.close()
        names = ", ".join(m.path.name for m in applied) or "none"
        print(f"{settings.database_path}: applied {len(applied)} migration(s): {names}")
        return 0

    return asyncio.run(migrate())


if __name__ == "__main__":
    sys.exit(main())

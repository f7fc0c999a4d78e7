"""Run the emulator standalone so a bot or test in another process can use it over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.emulator.emulator import DEFAULT_TOKEN, Emulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator",
        description="Local Telegram Bot API emulator (control API under /_emulator/).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-id", type=int, default=None, help="default: the token's prefix")
    parser.add_argument("--bot-username", default="careerbot_test_bot")
    parser.add_argument("--bot-name", default="CareerBot")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    emu = Emulator(
        token=args.token,
        bot_id=args.bot_id,
        bot_username=args.bot_username,
        bot_first_name=args.bot_name,
    )
    base_url = await emu.start(host=args.host, port=args.port)
    print(base_url, flush=True)
    print(
        f"Telegram Bot API emulator for @{args.bot_username} (token {args.token}); "
        f"control API at {base_url}/_emulator; Ctrl-C stops it",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

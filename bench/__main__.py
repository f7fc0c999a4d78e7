"""Run every benchmark and print its figures (`make bench`)."""

from __future__ import annotations

import asyncio

from bench import broadcast, quiz_traffic, render, startup, stats, tips_tick


def main() -> None:
    asyncio.run(startup.main())
    render.main()
    tips_tick.main()
    stats.main()
    broadcast.main()
    quiz_traffic.main()


if __name__ == "__main__":
    main()

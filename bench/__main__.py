"""Run every benchmark, print each one's figures, then one table of them all with the
machine's description (`make bench`)."""

from __future__ import annotations

import asyncio

from bench import broadcast, quiz_traffic, render, startup, stats, summary, tips_tick


def main() -> None:
    described = summary.machine()  # before the benchmarks load the machine
    figures = asyncio.run(startup.main())
    figures += render.main()
    figures += tips_tick.main()
    figures += stats.main()
    figures += broadcast.main()
    figures += quiz_traffic.main()
    summary.report(figures, described)


if __name__ == "__main__":
    main()

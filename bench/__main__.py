"""Run every benchmark and print its figures (`make bench`)."""

from __future__ import annotations

import asyncio

from bench import render, startup


def main() -> None:
    asyncio.run(startup.main())
    render.main()


if __name__ == "__main__":
    main()

"""Start-up time and idle memory of `careerbot run` against the local emulator.

Start-up is measured from process spawn to the bot's first getUpdates (migrations
applied, command menu set, polling). Memory is the resident set size after the bot
has answered a /start and idled for a few seconds.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.summary import Figure
from bot.emulator import Emulator, Student

TOKEN = "123456:BENCH-token-for-the-local-emulator"
RUNS = 5
IDLE_SECONDS = 5.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def one_run(emu: Emulator, folder: Path, measure_memory: bool) -> tuple[float, float]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_PATH": str(folder / "bench.sqlite3"),
        "LOG_LEVEL": "WARNING",
    }
    since = len(emu.calls)
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=folder, env=env
    )
    while not any(method == "getUpdates" for method, _ in emu.calls[since:]):
        await asyncio.sleep(0.005)
    startup = time.perf_counter() - started
    rss = 0.0
    if measure_memory:
        student = Student(emu, user_id=1, first_name="Bench", language_code="ru")
        await student.send("/start")
        await student.expect_message(timeout=10)
        await asyncio.sleep(IDLE_SECONDS)
        rss = rss_mib(proc.pid)
    proc.terminate()
    await proc.wait()
    return startup, rss


async def main() -> list[Figure]:
    async with Emulator(token=TOKEN) as emu:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            times: list[float] = []
            rss_values: list[float] = []
            for i in range(RUNS):
                startup, rss = await one_run(emu, folder, measure_memory=i == RUNS - 1)
                times.append(startup)
                if rss:
                    rss_values.append(rss)
    print(
        f"startup to first poll: median {statistics.median(times) * 1000:.0f} ms"
        f" (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {RUNS} runs;"
        " the first run also creates the database)"
    )
    print(f"idle RSS after one /start and {IDLE_SECONDS:.0f}s idle: {rss_values[0]:.1f} MiB")
    return [
        Figure(
            "`careerbot run` start-up, spawn to the first getUpdates",
            f"{statistics.median(times):.2f} s (median of {RUNS})",
        ),
        Figure("idle RSS of `careerbot run` after one /start", f"{rss_values[0]:.0f} MiB"),
    ]

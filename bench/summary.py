"""One table of every benchmark's headline figures, beside what each is compared with
(a baseline measured in the same run, or the goal), and the machine they were measured
on. `make bench` prints it last; the README shows the latest."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    what: str
    measured: str
    baseline: str = "–"
    """The same work by a baseline in the same run (a bare aiogram bot, plain SQLite...)."""
    ratio: str = "–"
    goal: str = "–"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "–"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


def machine() -> str:
    """The machine in one line: CPU, cores, memory, system, the versions that matter."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gib()}; {platform.system()}"
        f" {platform.release()}; Python {platform.python_version()}, SQLite"
        f" {sqlite3.sqlite_version}, aiogram {version('aiogram')}, pydantic"
        f" {version('pydantic')}; load average {load} at the start"
    )


def markdown(figures: Sequence[Figure]) -> str:
    header = ("what", "measured", "baseline, same run", "ratio", "goal")
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += [f"| {f.what} | {f.measured} | {f.baseline} | {f.ratio} | {f.goal} |" for f in figures]
    return "\n".join(lines)


def report(figures: Sequence[Figure], described: str) -> None:
    print()
    print(f"Summary. Machine: {described}")
    print(markdown(figures))
    sys.stdout.flush()

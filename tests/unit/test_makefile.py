"""The Makefile as a new user meets it: `make help`, the Python check, the .venv it builds.

Nothing here installs for real: `make` runs in a copy of the files the install step
depends on, with fake interpreters (small shell scripts) standing in for Python."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED = re.compile(r"^([^\s:#=]+):[^=].*?## (.+)$", re.MULTILINE)

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without what an outer `make test` passes to sub-makes."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHON"}
    }
    env.update(extra)
    return env


def make(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_every_documented_target() -> None:
    documented = DOCUMENTED.findall((ROOT / "Makefile").read_text(encoding="utf-8"))
    names = [name for name, _ in documented]
    assert {"help", "install", "test", "unit", "e2e", "playground", "lock"} <= set(names)
    shown = make(ROOT, "-s", "help")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) == len(documented), shown.stdout
    for (name, description), line in zip(documented, lines, strict=True):
        assert line.split() == ["make", name, *description.split()], line

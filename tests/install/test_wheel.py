"""The wheel works on its own: built from the sources and installed into a fresh virtual
environment, `careerbot migrate` applies the packaged migrations and `careerbot quiz check`
checks the packaged content, run from a folder outside the checkout.

No network: the wheel is built with the setuptools of the project's environment, installed
with `--no-index --no-deps`, and the dependencies (aiogram, pydantic, ...) are lent to the
new environment through PYTHONPATH (the project's site-packages, whose editable-install
hook is not run from there, so `bot` can only come from the new environment).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "bot", "handlers", "quizzes", "migrations")
"""What a build needs (the checkout is copied so that no build/ folder is left in it)."""

pytestmark = [pytest.mark.install, pytest.mark.timeout(180)]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    work: Path
    """An empty working folder outside the checkout."""
    env: dict[str, str]

    @property
    def site_packages(self) -> Path:
        (found,) = self.venv.glob("lib/python*/site-packages")
        return found

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            cwd=self.work,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def careerbot(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.venv / "bin" / "careerbot"), *args, **env)


def _run(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    _run(
        *pip,
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        base / "dist",
        ".",
        cwd=source,
    )
    (wheel,) = (base / "dist").glob("careerbot-*.whl")

    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    _run(
        *pip,
        "--python",
        venv / "bin" / "python",
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        wheel,
        cwd=base,
    )

    work = base / "work"
    work.mkdir()
    lent = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    env = {
        "PATH": os.defpath,
        "HOME": str(base),
        "PYTHONPATH": os.pathsep.join(lent),
        "PYTHONUTF8": "1",
        "DATABASE_PATH": str(work / "data" / "bot.sqlite3"),
    }
    return Installed(wheel=wheel, venv=venv, work=work, env=env)


def test_the_wheel_carries_content_and_migrations(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for path in sorted((ROOT / "quizzes").glob("*.yaml")):
        assert f"bot/resources/quizzes/{path.name}" in names
    for path in sorted((ROOT / "migrations").glob("*.sql")):
        assert f"bot/resources/migrations/{path.name}" in names
    assert not any(name.startswith(("tests/", "quizzes/", "migrations/")) for name in names)


def test_bot_is_imported_from_the_new_environment(installed: Installed) -> None:
    done = installed.run(
        str(installed.venv / "bin" / "python"),
        "-c",
        "import bot, bot.resources; print(bot.__file__); print(bot.resources.PACKAGED_CONTENT)",
    )
    assert done.returncode == 0, done.stderr
    module, content = (Path(line) for line in done.stdout.splitlines())
    assert module == installed.site_packages / "bot" / "__init__.py"
    assert not module.is_relative_to(ROOT)
    assert content == installed.site_packages / "bot" / "resources" / "quizzes"
    assert content.is_dir()
    assert not content.is_symlink()


def test_migrate_applies_the_packaged_migrations(installed: Installed) -> None:
    done = installed.careerbot("migrate")
    assert done.returncode == 0, done.stderr
    database = installed.work / "data" / "bot.sqlite3"
    expected = sorted(path.name for path in (ROOT / "migrations").glob("*.sql"))
    assert done.stdout.splitlines() == [
        f"{database}: applied {len(expected)} migration(s): {', '.join(expected)}"
    ]
    with closing(sqlite3.connect(database)) as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations")]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert versions == [int(name[:4]) for name in expected]
    assert {"users", "attempts", "tip_outbox", "schema_migrations"} <= tables


def test_quiz_check_checks_the_packaged_content(installed: Installed) -> None:
    done = installed.careerbot("quiz", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = installed.site_packages / "bot" / "resources" / "quizzes"
    files = sorted(path.name for path in (ROOT / "quizzes").glob("*.yaml"))
    lines = done.stdout.splitlines()
    assert [line.split(": ok — ")[0] for line in lines] == [str(folder / name) for name in files]
    assert all(": ok — " in line for line in lines), lines


def test_content_dir_points_the_installed_bot_elsewhere(installed: Installed) -> None:
    mine = installed.work / "mine"
    mine.mkdir(exist_ok=True)
    shutil.copy(ROOT / "quizzes" / "support_role.yaml", mine)
    (mine / "tips.yaml").write_text("kind: tips\n", encoding="utf-8")
    done = installed.careerbot("quiz", "check", CONTENT_DIR="mine")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "mine/tips.yaml:1: missing field 'quiz' in the quiz" in lines, lines
    assert lines[-2].startswith("mine/support_role.yaml: ok — ")
    assert lines[-1].startswith("mine/tips.yaml: ")


def test_health_and_backup_work_from_the_installed_wheel(installed: Installed) -> None:
    database = installed.work / "health" / "bot.sqlite3"
    assert installed.careerbot("migrate", DATABASE_PATH=str(database)).returncode == 0
    health = installed.careerbot("health", DATABASE_PATH=str(database))
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout.startswith(f"ok: database {database} answers (")
    copy = installed.careerbot("backup", "backups/", DATABASE_PATH=str(database))
    assert copy.returncode == 0, copy.stderr
    (made,) = (installed.work / "backups").iterdir()
    assert copy.stdout.startswith(f"{database} -> {made.relative_to(installed.work)}: ")

"""The Makefile as a new user meets it: `make help`, the Python check, the .venv it builds.

Nothing here installs for real: `make` runs in a copy of the files the install step
depends on, with fake interpreters (small shell scripts) standing in for Python."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
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


# --- the interpreter check and the .venv it builds ------------------------------------------


def fake_python(path: Path, version: str, log: Path, *, pip: str = "ok") -> Path:
    """A shell script answering like Python `version`: `-m venv DIR` copies itself into
    DIR/bin/python; `-m pip` succeeds, fails like a resolver error, or hangs (`pip`)."""
    pip_action = {
        "ok": "exit 0",
        "fails": 'echo "ERROR: ResolutionImpossible (fake pip)" >&2; exit 1',
        "hangs": "sleep 30; exit 0",
    }[pip]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        f'echo "$0 $*" >> "{log}"\n'
        'case "$1 $2" in\n'
        f'  "--version "*) echo "Python {version}"; exit 0 ;;\n'
        '  "-m venv") mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0 ;;\n'
        f'  "-m pip") {pip_action} ;;\n'
        "esac\n"
        'echo "fake python: unexpected arguments: $*" >&2\n'
        "exit 2\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The files `make install` depends on, in a fresh folder."""
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    return copy


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "python-calls.log"


def calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def venv_version(repo: Path) -> str:
    python = repo / ".venv" / "bin" / "python"
    return subprocess.run(
        [str(python), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("how", ["first on PATH", "PYTHON="])
def test_old_python_is_refused_up_front(repo: Path, tmp_path: Path, log: Path, how: str) -> None:
    fakes = tmp_path / "bin"
    python = fake_python(fakes / "python3", "3.10.12", log)
    if how == "PYTHON=":
        done = make(repo, "install", f"PYTHON={python}")
        named = str(python)
    else:
        done = make(repo, "install", PATH=f"{fakes}{os.pathsep}{os.environ['PATH']}")
        named = "python3"
    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if "Python 3.11+ needed" in line]
    assert len(ours) == 1, done.stderr
    assert named in ours[0]
    assert "Python 3.10.12" in ours[0]
    assert "make PYTHON=python3.11 install" in ours[0]
    assert not (repo / ".venv").exists()
    assert all(call.endswith(" --version") for call in calls(log)), "only asked its version"


def test_missing_python_is_named(repo: Path) -> None:
    done = make(repo, "test", "PYTHON=python3.99-not-installed")
    assert done.returncode != 0
    assert "Python 3.11+ needed" in done.stderr
    assert "python3.99-not-installed was not found" in done.stderr
    assert "make PYTHON=python3.11 test" in done.stderr
    assert not (repo / ".venv").exists()


def test_a_failed_install_leaves_no_venv(repo: Path, tmp_path: Path, log: Path) -> None:
    python = fake_python(tmp_path / "bin" / "python3.11", "3.11.9", log, pip="fails")
    for _ in range(2):
        done = make(repo, "install", f"PYTHON={python}")
        assert done.returncode != 0
        assert "ResolutionImpossible" in done.stderr
        assert "removed" in done.stderr
        assert not (repo / ".venv").exists()
    venvs_made = [call for call in calls(log) if " -m venv " in call]
    assert len(venvs_made) == 2, "the second run started clean"


def test_an_interrupted_install_leaves_no_venv(repo: Path, tmp_path: Path, log: Path) -> None:
    python = fake_python(tmp_path / "bin" / "python3.11", "3.11.9", log, pip="hangs")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "install", f"PYTHON={python}"],
        cwd=repo,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal: SIGINT may arrive ignored when the tests run in the background.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            if any(" -m pip " in call for call in calls(log)):
                break
            time.sleep(0.05)
        assert any(" -m pip " in call for call in calls(log)), calls(log)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode != 0
    assert not (repo / ".venv").exists()


def test_a_venv_of_another_python_is_rebuilt(repo: Path, tmp_path: Path, log: Path) -> None:
    # Left behind by an earlier run with Python 3.10: a venv without the stamp.
    fake_python(repo / ".venv" / "bin" / "python", "3.10.12", log)
    python = fake_python(tmp_path / "bin" / "python3.11", "3.11.9", log)
    done = make(repo, "install", f"PYTHON={python}")
    assert done.returncode == 0, done.stderr
    assert venv_version(repo) == "Python 3.11.9"
    assert "rebuilding" in done.stdout
    # Asking for another interpreter later rebuilds it again, even with the stamp current.
    other = fake_python(tmp_path / "bin" / "python3.12", "3.12.4", log)
    done = make(repo, "install", f"PYTHON={other}")
    assert done.returncode == 0, done.stderr
    assert venv_version(repo) == "Python 3.12.4"


def test_an_installed_venv_is_not_touched_again(repo: Path, tmp_path: Path, log: Path) -> None:
    python = fake_python(tmp_path / "bin" / "python3.11", "3.11.9", log)
    assert make(repo, "install", f"PYTHON={python}").returncode == 0
    assert any(" -m pip " in call for call in calls(log))
    log.unlink()
    again = make(repo, "install", f"PYTHON={python}")
    assert again.returncode == 0, again.stderr
    assert calls(log) == [], "an up-to-date .venv starts no interpreter at all"
    # A changed lock reinstalls into the same .venv (same Python: not rebuilt).
    stamp_time = (repo / ".venv" / ".installed").stat().st_mtime
    os.utime(repo / "requirements.lock", (stamp_time + 10, stamp_time + 10))
    marker = repo / ".venv" / "kept"
    marker.touch()
    again = make(repo, "install", f"PYTHON={python}")
    assert again.returncode == 0, again.stderr
    assert marker.exists()
    assert any(" -m pip " in call for call in calls(log))
    assert not any(" -m venv " in call for call in calls(log))

"""Make matplotlib quiet and headless before it is first imported.

Matplotlib writes its font cache under ``~/.cache/matplotlib`` and reads settings from
``~/.config/matplotlib``. When those cannot be created (read-only or missing HOME, as in
some containers) it falls back to a fresh temp dir *and logs a warning on every start*,
rebuilding the font cache each time. We check the same directories first and, if needed,
point ``MPLCONFIGDIR`` at a stable per-user folder in the system temp dir, so the cache
survives restarts and nothing is logged.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading
from collections.abc import MutableMapping
from pathlib import Path

_lock = threading.Lock()
_done = False


def _usable_dir(path: Path) -> bool:
    try:
        path = path.resolve()
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return False
    return path.is_dir() and os.access(path, os.W_OK)


def _default_dirs(environ: MutableMapping[str, str]) -> list[Path] | None:
    """The config and cache dirs matplotlib would use, or None if HOME is unusable."""
    try:
        home = Path.home()
    except RuntimeError:
        home = None
    dirs: list[Path] = []
    for variable, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache")):
        base = environ.get(variable)
        if base:
            dirs.append(Path(base) / "matplotlib")
        elif home is None:
            return None
        else:
            dirs.append(home / default / "matplotlib")
    return dirs


def _private_temp_dir() -> str:
    """``$TMPDIR/careerbot-matplotlib-<uid>``, reused across runs if it is safely ours."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"careerbot-matplotlib-{uid}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        if (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == uid
            and not info.st_mode & 0o022
            and os.access(path, os.W_OK)
        ):
            return str(path)
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="careerbot-matplotlib-")


def choose_config_dir(environ: MutableMapping[str, str]) -> str | None:
    """Set ``MPLCONFIGDIR`` in *environ* when matplotlib's defaults are unusable.

    Returns the directory it set, or None if matplotlib's own choice is fine (or the
    variable was already set by the user).
    """
    if environ.get("MPLCONFIGDIR"):
        return None
    dirs = _default_dirs(environ)
    if dirs is not None and all(_usable_dir(d) for d in dirs):
        return None
    chosen = _private_temp_dir()
    environ["MPLCONFIGDIR"] = chosen
    return chosen


def prepare_matplotlib() -> None:
    """Pick a writable config dir and the Agg backend; call before importing matplotlib."""
    global _done
    with _lock:
        if _done:
            return
        choose_config_dir(os.environ)
        import matplotlib

        # The chart never touches pyplot, but a stray pyplot import elsewhere must not
        # try to open a window: choose Agg unless pyplot already runs with a backend.
        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        _done = True

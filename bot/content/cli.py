"""What ``careerbot quiz check`` does (argparse lives in :mod:`bot.__main__`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content.registry import CONTENT_SUFFIXES, Kinds, content_files


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _collect(paths: Sequence[Path], folder: Path, out: TextIO) -> list[tuple[Path, str]] | None:
    if not paths:
        if not folder.is_dir():
            out.write(f"{shown(folder)}: no such folder\n")
            return None
        return [(p, shown(p)) for p in content_files(folder)]
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend((p, shown(p)) for p in content_files(path))
        elif path.suffix in CONTENT_SUFFIXES or not path.exists():
            files.append((path, str(path)))
        else:
            out.write(f"{path}: skipped, not a YAML content file\n")
    return files


def run_check(paths: Sequence[Path], out: TextIO, *, kinds: Kinds, folder: Path) -> int:
    """Check content files of the given ``kinds`` (every file of ``folder`` when ``paths``
    is empty; a folder among ``paths`` means its files).

    Prints each problem as ``file:line: message``, then one summary line per file.
    Returns 0 when no file has an error (warnings do not fail), else 1.
    """
    files = _collect(paths, folder, out)
    if files is None:
        return 1
    if not files:
        out.write("no content files to check (kinds: " + ", ".join(kinds.names) + ")\n")
        return 1
    reports = kinds.check_files(files)
    for report in reports:
        for problem in report.problems:
            out.write(f"{problem}\n")
    for report in reports:
        out.write(f"{report.summary}\n")
    return 0 if all(report.ok for report in reports) else 1

"""The DejaVu Sans files every picture draws with, and which characters they have.

They are the ones that ship inside matplotlib (full Cyrillic), found by path without
importing matplotlib, so no system font lookup happens and every machine draws with
the same files. Plain Python: cheap to import.
"""

from __future__ import annotations

import importlib.util
import struct
from functools import cache
from pathlib import Path


@cache
def font_dir() -> Path:
    """matplotlib's folder of TrueType fonts, without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: its DejaVu Sans font is needed")
    package = Path(next(iter(spec.submodule_search_locations)))
    return package / "mpl-data" / "fonts" / "ttf"


@cache
def characters(path: Path) -> frozenset[int]:
    """The code points the TrueType font at *path* has a glyph for: its Unicode cmap
    (format 12, full Unicode, as DejaVu Sans has), what FreeType looks glyphs up in."""
    data = path.read_bytes()
    cmap = _table(data, b"cmap")
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    for i in range(count):
        (offset,) = struct.unpack_from(">I", data, cmap + 8 + 8 * i)
        at = cmap + offset
        (fmt,) = struct.unpack_from(">H", data, at)
        if fmt != 12:
            continue
        (groups,) = struct.unpack_from(">I", data, at + 12)
        found: set[int] = set()
        for group in range(groups):
            first, last, glyph = struct.unpack_from(">III", data, at + 16 + 12 * group)
            # Glyph 0 is the "missing glyph" box: a group starting there lacks first.
            found.update(range(first if glyph else first + 1, last + 1))
        return frozenset(found)
    raise ValueError(f"{path.name} has no full Unicode cmap (format 12)")


def _table(data: bytes, tag: bytes) -> int:
    """Where the table *tag* of the font *data* starts."""
    (count,) = struct.unpack_from(">H", data, 4)
    for i in range(count):
        name, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if name == tag:
            return int(offset)
    raise ValueError(f"no {tag.decode()} table in the font")


@cache
def typo_ascent_descent(path: Path) -> tuple[float, float]:
    """The font's typographic ascent and descent (OS/2 table), in ems: how high and how
    deep a line of it reaches, whatever its letters, as matplotlib lays out a line."""
    data = path.read_bytes()
    (units_per_em,) = struct.unpack_from(">H", data, _table(data, b"head") + 18)
    ascender, descender = struct.unpack_from(">hh", data, _table(data, b"OS/2") + 68)
    return ascender / units_per_em, -descender / units_per_em

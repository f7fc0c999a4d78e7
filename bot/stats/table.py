"""CSV for statistics exports, as Russian-locale Excel opens it with a double click.

- UTF-8 with a byte order mark, so Excel does not read Cyrillic as cp1251;
- ``;`` between fields (Excel in a Russian locale expects it, ``,`` is the decimal mark);
- ``\\r\\n`` at the end of every line; quoting by the :mod:`csv` module (a field holding
  ``;``, a quote or a line break is quoted, quotes doubled);
- a hidden number (``None``) is written as the ``hidden`` text, e.g. ``<10``;
- a text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  ``'`` in front, as OWASP advises against CSV injection: Excel and LibreOffice would
  run such a cell as a formula (a centre named ``=HYPERLINK(...)``). Only text cells
  are touched: a number such as -5 stays a number. The ``hidden`` text is the caller's
  own and is written as given;
- whole numbers as they are; other numbers with a decimal comma and at most one decimal:
  rounded half up (away from zero) to one decimal as Python prints the number, so
  2.25 is ``2,3``, 0.15 is ``0,2`` (not 0,1 as its binary value would give), 2.0 is
  ``2`` and 2.04 is ``2``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

BOM = "\ufeff"
ONE_DECIMAL = Decimal("0.1")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a text cell as a formula."""


def format_float(value: float) -> str:
    """``value`` rounded half up to one decimal, with a decimal comma; no ``,0``."""
    if not math.isfinite(value):
        raise ValueError(f"cannot export {value} as a number")
    with localcontext() as context:
        context.prec = 400  # enough digits for any finite float, so quantize never fails
        rounded = Decimal(repr(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
        if rounded == rounded.to_integral_value():
            return str(int(rounded))  # also turns -0.0 into 0
        return f"{rounded:f}".replace(".", ",")


def _field(value: str | int | float | None, hidden: str) -> str:
    if value is None:
        return hidden
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def to_csv(rows: Iterable[Sequence[str | int | float | None]], hidden: str) -> bytes:
    """The rows as a CSV file for Excel (see the module docstring), as bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([_field(value, hidden) for value in row])
    return (BOM + buffer.getvalue()).encode("utf-8")

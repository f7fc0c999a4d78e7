"""Pictures the bot sends: a student's profile chart, a centre's statistics chart and
a printable QR code of a link, each as PNG bytes.

Importing this package is cheap: what draws is imported on the first call to a
``render_*`` function (Pillow for the profile chart, matplotlib for the statistics
chart, segno and Pillow for the QR code). They are synchronous and CPU-bound: handlers
call them through :func:`bot.render.worker.draw`, which runs them in a process of
their own.
"""

from __future__ import annotations

from bot.render.model import ChartInput, TraitBar, TraitKind
from bot.render.stats_model import (
    DropoffRow,
    LabelledCount,
    StatsChartInput,
    TraitComparison,
)

__all__ = [
    "ChartInput",
    "DropoffRow",
    "LabelledCount",
    "StatsChartInput",
    "TraitBar",
    "TraitComparison",
    "TraitKind",
    "render_profile_chart",
    "render_qr",
    "render_stats_chart",
]


def render_profile_chart(data: ChartInput) -> bytes:
    """Draw *data* as a PNG (about 1080 px wide) and return its bytes. Thread-safe."""
    from bot.render.chart import render_profile_chart as render

    return render(data)


def render_stats_chart(data: StatsChartInput) -> bytes:
    """Draw a centre's statistics as one PNG 1080 px wide and return its bytes. Thread-safe."""
    from bot.render.stats_chart import render_stats_chart as render

    return render(data)


def render_qr(url: str, *, caption: str | None = None) -> bytes:
    """A printable PNG QR code of *url* (about 1000 px wide), *caption* under it. Thread-safe."""
    from bot.render.qr import render_qr as render

    return render(url, caption=caption)

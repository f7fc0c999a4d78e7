"""The picture of a student's quiz profile: a PNG bar chart of their trait scores.

Importing this package is cheap: matplotlib is imported on the first call to
:func:`render_profile_chart`, which is synchronous and CPU-bound, so call it through
``asyncio.to_thread`` from handlers.
"""

from __future__ import annotations

from bot.render.model import ChartInput, TraitBar, TraitKind

__all__ = ["ChartInput", "TraitBar", "TraitKind", "render_profile_chart"]


def render_profile_chart(data: ChartInput) -> bytes:
    """Draw *data* as a PNG (about 1080 px wide) and return its bytes. Thread-safe."""
    from bot.render.chart import render_profile_chart as render

    return render(data)

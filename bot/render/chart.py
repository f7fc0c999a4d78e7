"""Draw a student's quiz profile as a PNG horizontal bar chart.

Only matplotlib's object-oriented API is used (``Figure`` + ``FigureCanvasAgg``), never
pyplot, so no global figure registry fills up. Every text uses the DejaVu Sans files
that ship inside matplotlib (full Cyrillic), given by path, so no system font lookup
happens. Importing this module imports matplotlib (~0.5 s): ``bot.render`` does it lazily.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from pathlib import Path

from bot.render._mplsetup import prepare_matplotlib
from bot.render.model import ChartInput, TraitBar, TraitKind
from bot.render.textfit import DPI, LINE_SPACING, Fitted, Measure

prepare_matplotlib()

import matplotlib  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.transforms import Transform, offset_copy  # noqa: E402
from PIL import Image  # noqa: E402

# Geometry, in pixels of the final image (DPI 100: 1 pt = 100/72 px).
WIDTH = 1080
MARGIN = 40
LABEL_WIDTH = 330  # trait names, right-aligned left of the bars
LABEL_GAP = 16
VALUE_WIDTH = 120  # room right of the bars for "100 +20"
ROW = 80
BAR_THICKNESS = 0.56  # share of a row
AXIS_HEIGHT = 34
LEGEND_HEIGHT = 34

# Font sizes in points; the smallest, 13 pt, is 18 px.
TITLE_SIZES = (26.0, 24.0, 22.0, 20.0)
SUBTITLE_SIZES = (17.0, 16.0, 15.0, 14.0)
LABEL_SIZES = (17.0, 16.0, 15.0, 14.0, 13.0)
VALUE_SIZE = 17.0
DELTA_SIZE = 13.0
TICK_SIZE = 13.0
LEGEND_SIZE = 14.0

# A calm, colour-blind-safe palette: blue and orange differ in hue for every common
# colour-vision deficiency and in lightness for the rest; "normal" is a neutral grey.
COLORS: dict[TraitKind, str] = {
    "strength": "#2F6F9F",
    "growth": "#E39B2D",
    "normal": "#A9B4C0",
}
TRACK = "#EEF1F5"
GRID = "#D5DBE3"
INK = "#1F2933"
MUTED = "#5F6B7A"
PREVIOUS = "#1F2933"
PREVIOUS_ALPHA = 0.55
BACKGROUND = "white"

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_REGULAR = _FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = _FONT_DIR / "DejaVuSans-Bold.ttf"

# Matplotlib's text and font caches are not documented as thread-safe: one chart at a
# time (each takes ~0.1 s, and the bot renders one per finished quiz). Every chart
# module draws under this one lock.
render_lock = threading.Lock()


def font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(fname=FONT_BOLD if bold else FONT_REGULAR, size=size)


def figure_text(
    fig: Figure, x: float, y: float, text: str, size: float, *, color: str, bold: bool = False
) -> None:
    """Text hung from (x, y) in figure coordinates, left-aligned, taken literally."""
    fig.text(
        x,
        y,
        text,
        ha="left",
        va="top",
        color=color,
        fontproperties=font(size, bold=bold),
        linespacing=LINE_SPACING,
        parse_math=False,
    )


def row_label(ax: Axes, row: float, text: str, size: float, transform: Transform) -> None:
    """A bar's label, right-aligned left of the axes at `transform`, taken literally."""
    ax.text(
        0,
        row,
        text,
        transform=transform,
        ha="right",
        va="center",
        multialignment="right",
        color=INK,
        fontproperties=font(size),
        linespacing=LINE_SPACING,
        parse_math=False,
    )


def legend_row(
    fig: Figure, handles: Sequence[Artist], names: Sequence[str], x: float, y: float, size: float
) -> None:
    """One row of legend entries from (x, y) in figure coordinates, names taken literally."""
    legend = fig.legend(
        handles,
        names,
        loc="upper left",
        bbox_to_anchor=(x, y),
        ncols=len(names),
        frameon=False,
        prop=font(size),
        labelcolor=MUTED,
        borderpad=0,
        borderaxespad=0,
        handlelength=1.3,
        handleheight=1.0,
        handletextpad=0.5,
        columnspacing=1.8,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)


def clamp(score: float) -> float:
    return min(100.0, max(0.0, float(score)))


def number(score: float) -> str:
    return str(round(clamp(score)))


# Text widths by (text, size, bold): laying out a string costs ~0.5 ms and the same
# trait names come back in every chart.
_widths: dict[tuple[str, float, bool], float] = {}
_WIDTHS_MAX = 4096


class AggMeasure(Measure):
    """Text widths in pixels, as the Agg renderer will draw them."""

    def __init__(self, renderer: RendererAgg) -> None:
        self.renderer = renderer

    def width(self, text: str, size: float, bold: bool) -> float:
        if not text:
            return 0.0
        key = (text, size, bold)
        cached = _widths.get(key)
        if cached is not None:
            return cached
        w, _, _ = self.renderer.get_text_width_height_descent(  # type: ignore[no-untyped-call]
            text, font(size, bold=bold), ismath=False
        )
        if len(_widths) >= _WIDTHS_MAX:
            _widths.clear()
        _widths[key] = float(w)
        return float(w)


def render_profile_chart(data: ChartInput) -> bytes:
    """Draw *data* as a PNG ``WIDTH`` px wide and return its bytes."""
    with render_lock:
        return _render(data)


def _render(data: ChartInput) -> bytes:
    fig = Figure(figsize=(WIDTH / DPI, 10), dpi=DPI, facecolor=BACKGROUND)
    canvas = FigureCanvasAgg(fig)
    measure = AggMeasure(canvas.get_renderer())  # type: ignore[no-untyped-call]
    inner = WIDTH - 2 * MARGIN

    title = measure.fit(data.title, inner, TITLE_SIZES, max_lines=2, bold=True)
    subtitle = measure.fit(data.subtitle, inner, SUBTITLE_SIZES, max_lines=2, bold=False)
    labels = [
        measure.fit(t.label, LABEL_WIDTH, LABEL_SIZES, max_lines=2, bold=False) for t in data.traits
    ]
    previous = {
        label: clamp(score) for label, score in (data.previous or {}).items() if score is not None
    }

    # Vertical layout, top down, in pixels.
    top_title = MARGIN
    top_subtitle = top_title + title.height + 6
    top_legend = top_subtitle + subtitle.height + 16
    top_bars = top_legend + LEGEND_HEIGHT + 14
    bars_height = ROW * len(data.traits)
    height = round(top_bars + bars_height + AXIS_HEIGHT + MARGIN // 2)
    fig.set_size_inches(WIDTH / DPI, height / DPI)

    def fx(x: float) -> float:
        return x / WIDTH

    def fy(y_from_top: float) -> float:
        return 1 - y_from_top / height

    figure_text(fig, fx(MARGIN), fy(top_title), title.text, title.size, bold=True, color=INK)
    figure_text(fig, fx(MARGIN), fy(top_subtitle), subtitle.text, subtitle.size, color=MUTED)

    left = MARGIN + LABEL_WIDTH + LABEL_GAP
    right = WIDTH - MARGIN - VALUE_WIDTH
    ax = fig.add_axes(
        (fx(left), fy(top_bars + bars_height), fx(right - left), bars_height / height)
    )
    _draw_bars(ax, fig, measure, data.traits, labels, previous)
    _draw_legend(fig, measure, data, previous, fx(MARGIN), fy(top_legend))

    return to_png(fig)


def to_png(fig: Figure) -> bytes:
    """*fig* drawn by Agg as an opaque PNG.

    An RGB PNG is ~10% smaller than the RGBA one savefig writes, and carries no metadata
    (no matplotlib version), so the bytes depend only on what was drawn.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI, facecolor=BACKGROUND)
    size = canvas.get_width_height(physical=True)
    out = io.BytesIO()
    Image.frombytes("RGBA", size, raw.getvalue()).convert("RGB").save(out, format="PNG")
    return out.getvalue()


def _draw_bars(
    ax: Axes,
    fig: Figure,
    measure: Measure,
    traits: Sequence[TraitBar],
    labels: Sequence[Fitted],
    previous: dict[str, float],
) -> None:
    count = len(traits)
    ax.set_xlim(0, 100)
    ax.set_ylim(count - 0.5, -0.5)  # first trait at the top
    ax.patch.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_yticks([])
    ticks = [0, 25, 50, 75, 100]
    ax.set_xticks(ticks, [str(t) for t in ticks], fontproperties=font(TICK_SIZE), color=MUTED)
    ax.tick_params(axis="x", length=0, pad=8)
    for x in ticks:
        ax.axvline(x, color=GRID, linewidth=1, zorder=1.5)

    value_font = font(VALUE_SIZE, bold=True)
    delta_font = font(DELTA_SIZE)
    label_at = offset_copy(ax.get_yaxis_transform(), fig=fig, x=-LABEL_GAP, units="dots")
    half = BAR_THICKNESS / 2
    rows = range(count)
    ax.barh(rows, [100] * count, height=BAR_THICKNESS, color=TRACK, zorder=1)
    measured = [(row, t) for row, t in enumerate(traits) if t.score is not None]
    ax.barh(
        [row for row, _ in measured],
        [clamp(t.score) for _, t in measured if t.score is not None],
        height=BAR_THICKNESS,
        color=[COLORS[t.kind] for _, t in measured],
        zorder=2,
    )
    for row, (trait, label) in enumerate(zip(traits, labels, strict=True)):
        row_label(ax, row, label.text, label.size, label_at)
        end = clamp(trait.score) if trait.score is not None else 0.0
        before = previous.get(trait.label)
        if before is not None:
            ax.add_line(
                Line2D(
                    [before, before],
                    [row - half - 0.08, row + half + 0.08],
                    color=PREVIOUS,
                    alpha=PREVIOUS_ALPHA,
                    linewidth=3,
                    solid_capstyle="butt",
                    zorder=3,
                )
            )
        # The number sits right of both the bar and the previous marker, never on them.
        anchor = max(end, before if before is not None else 0.0)
        value = number(trait.score) if trait.score is not None else "—"
        at = offset_copy(ax.transData, fig=fig, x=10, units="dots")
        ax.text(
            anchor,
            row,
            value,
            transform=at,
            ha="left",
            va="center",
            color=INK if trait.score is not None else MUTED,
            fontproperties=value_font,
            zorder=4,
            parse_math=False,
        )
        if trait.score is not None and before is not None:
            delta = round(clamp(trait.score)) - round(before)
            if delta:
                shift = 10 + measure.width(value, VALUE_SIZE, True) + 6
                sign = "+" if delta > 0 else "−"
                ax.text(
                    anchor,
                    row,
                    f"{sign}{abs(delta)}",
                    ha="left",
                    va="center",
                    transform=offset_copy(ax.transData, fig=fig, x=shift, units="dots"),
                    color=MUTED,
                    fontproperties=delta_font,
                    zorder=4,
                    parse_math=False,
                )


def _draw_legend(
    fig: Figure,
    measure: Measure,
    data: ChartInput,
    previous: dict[str, float],
    x: float,
    y: float,
) -> None:
    strength, growth, before = data.legend
    kinds = {t.kind for t in data.traits if t.score is not None}
    handles: list[Artist] = []
    names: list[str] = []
    if "strength" in kinds:
        handles.append(Patch(facecolor=COLORS["strength"]))
        names.append(strength)
    if "growth" in kinds:
        handles.append(Patch(facecolor=COLORS["growth"]))
        names.append(growth)
    if any(t.label in previous for t in data.traits):
        handles.append(
            Line2D(
                [],
                [],
                color=PREVIOUS,
                alpha=PREVIOUS_ALPHA,
                marker="|",
                markersize=20,
                markeredgewidth=3,
                linestyle="none",
            )
        )
        names.append(before)
    if not handles:
        return
    size = LEGEND_SIZE
    names = [measure.fit(name, 280, (size,), max_lines=1, bold=False).text for name in names]
    legend_row(fig, handles, names, x, y, size)

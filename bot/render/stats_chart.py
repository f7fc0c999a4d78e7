"""Draw a career centre's statistics as one PNG: up to four panels of horizontal bars.

The panels, top down: students by band, recommended specialisations, the centre's trait
profile against all students, and how many students reached and answered each quiz
screen. A hidden value (``None``: fewer than 10 students) gets no bar, only "<10" (or
"—" for an average score, where "<10" would read as a score) beside its label; a panel
with nothing visible is left out, and ``hidden_note`` is added at the bottom whenever
anything was hidden.

The visual language is the profile chart's (:mod:`bot.render.chart`): its palette,
fonts by path, text fitting (:mod:`bot.render.textfit`), DPI and width. The profile
chart is drawn with Pillow; this one with matplotlib's object-oriented API only, never
pyplot, under a lock of its own. Importing this module imports matplotlib:
``bot.render`` does it lazily.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.render._mplsetup import prepare_matplotlib
from bot.render.chart import (
    BACKGROUND,
    COLORS,
    FONT_BOLD,
    FONT_REGULAR,
    GRID,
    INK,
    LABEL_GAP,
    MARGIN,
    MUTED,
    SUBTITLE_SIZES,
    TICK_SIZE,
    TITLE_SIZES,
    TRACK,
    WIDTH,
    clamp,
    number,
)
from bot.render.stats_model import StatsChartInput
from bot.render.textfit import DPI, LINE_SPACING, Fitted, Measure

prepare_matplotlib()

from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.transforms import Transform, offset_copy  # noqa: E402
from PIL import Image  # noqa: E402

# Geometry, in pixels of the final image.
LABEL_WIDTH = 340
VALUE_WIDTH = 150  # right of the bars, for "1234 → 1234"
VALUE_GAP = 10
PANEL_GAP = 40
AXIS_HEIGHT = 34
LEGEND_HEIGHT = 30

# Font sizes in points.
PANEL_TITLE_SIZES = (19.0, 18.0, 17.0, 16.0)
LABEL_SIZES = (16.0, 15.0, 14.0, 13.0)
SCREEN_LABEL_SIZES = (14.0, 13.0)  # one line per quiz screen, up to 30 of them
COUNT_SIZE = 16.0
SMALL_VALUE_SIZE = 13.0
LEGEND_SIZE = 14.0
NOTE_SIZES = (14.0, 13.0)

# The profile chart's palette: blue is "this centre" (and every plain count), neutral
# grey is "everyone" and "reached", so the centre's own figures stand out.
CENTRE = COLORS["strength"]
EVERYONE = COLORS["normal"]
HIDDEN_COUNT = "<10"
HIDDEN_SCORE = "—"

Scale = Literal["count", "score"]

# Matplotlib's text and font caches are not documented as thread-safe: one chart at a
# time (each takes ~0.5 s, and staff ask for one now and then).
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


# Text widths by (text, size, bold), filled under render_lock: laying out a string costs
# ~0.5 ms and the same labels come back in every chart.
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


@dataclass(frozen=True)
class Series:
    """One kind of bar in a panel: a value per row (``None``: hidden, not drawn)."""

    name: str  # in the legend; "" for a panel's only series
    color: str
    thickness: float  # share of a row
    offset: float  # of the bar's centre from the row's centre, in rows
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Note:
    """A text right of the bars: a value, or the mark of a hidden one."""

    row: int
    offset: float
    at: float  # in data units: the end of the bar it follows
    text: str
    hidden: bool


@dataclass(frozen=True)
class Panel:
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    notes: tuple[Note, ...]
    scale: Scale
    row_height: int  # px
    label_sizes: tuple[float, ...]
    label_lines: int
    note_size: float

    @property
    def limit(self) -> float:
        """The right end of the x axis: 100 for scores, the largest count otherwise."""
        if self.scale == "score":
            return 100.0
        shown = [v for s in self.series for v in s.values if v is not None]
        return max([*shown, 1.0])

    @property
    def bar_count(self) -> int:
        return sum(v is not None for s in self.series for v in s.values)


def _counts(title: str, rows: Sequence[tuple[str, int | None]]) -> Panel | None:
    values = tuple(None if v is None else float(v) for _, v in rows)
    if all(v is None for v in values):
        return None
    notes = tuple(
        Note(i, 0.0, 0.0, HIDDEN_COUNT, True) if v is None else Note(i, 0.0, v, str(int(v)), False)
        for i, v in enumerate(values)
    )
    return Panel(
        title=title,
        labels=tuple(label for label, _ in rows),
        series=(Series("", CENTRE, 0.6, 0.0, values),),
        notes=notes,
        scale="count",
        row_height=52,
        label_sizes=LABEL_SIZES,
        label_lines=2,
        note_size=COUNT_SIZE,
    )


def plan(data: StatsChartInput) -> tuple[list[Panel], bool]:
    """The panels to draw, top down, and whether any value was hidden."""
    panels: list[Panel] = []
    bands = _counts(data.bands_title, [(b.label, b.value) for b in data.bands])
    if bands:
        panels.append(bands)
    specialisations = _counts(
        data.specialisations_title, [(s.label, s.value) for s in data.specialisations]
    )
    if specialisations:
        panels.append(specialisations)

    centre = tuple(None if t.centre is None else clamp(t.centre) for t in data.traits)
    everyone = tuple(None if t.everyone is None else clamp(t.everyone) for t in data.traits)
    if any(v is not None for v in (*centre, *everyone)):
        pair = ((CENTRE, -0.19, centre), (EVERYONE, 0.19, everyone))
        notes = tuple(
            Note(
                row,
                offset,
                0.0 if v is None else v,
                HIDDEN_SCORE if v is None else number(v),
                v is None,
            )
            for _, offset, values in pair
            for row, v in enumerate(values)
        )
        panels.append(
            Panel(
                title=data.traits_title,
                labels=tuple(t.label for t in data.traits),
                series=(
                    Series(data.centre_legend, CENTRE, 0.34, -0.19, centre),
                    Series(data.everyone_legend, EVERYONE, 0.34, 0.19, everyone),
                ),
                notes=notes,
                scale="score",
                row_height=76,
                label_sizes=LABEL_SIZES,
                label_lines=2,
                note_size=SMALL_VALUE_SIZE,
            )
        )

    reached = tuple(None if d.reached is None else float(d.reached) for d in data.dropoff)
    answered = tuple(None if d.answered is None else float(d.answered) for d in data.dropoff)
    if any(v is not None for v in (*reached, *answered)):
        panels.append(
            Panel(
                title=data.dropoff_title,
                labels=tuple(d.label for d in data.dropoff),
                # Answered is drawn over reached, thinner, so both always show.
                series=(
                    Series(data.reached_legend, EVERYONE, 0.72, 0.0, reached),
                    Series(data.answered_legend, CENTRE, 0.4, 0.0, answered),
                ),
                notes=tuple(
                    _dropoff_note(row, r, a)
                    for row, (r, a) in enumerate(zip(reached, answered, strict=True))
                ),
                scale="count",
                row_height=34,
                label_sizes=SCREEN_LABEL_SIZES,
                label_lines=1,
                note_size=SMALL_VALUE_SIZE,
            )
        )

    hidden = any(
        v is None
        for v in (
            *(b.value for b in data.bands),
            *(s.value for s in data.specialisations),
            *(x for t in data.traits for x in (t.centre, t.everyone)),
            *(x for d in data.dropoff for x in (d.reached, d.answered)),
        )
    )
    return panels, hidden


def _dropoff_note(row: int, reached: float | None, answered: float | None) -> Note:
    """ "reached → answered" right of the longer bar; "<10" alone if both are hidden."""
    if reached is None and answered is None:
        return Note(row, 0.0, 0.0, HIDDEN_COUNT, True)
    texts = [HIDDEN_COUNT if v is None else str(int(v)) for v in (reached, answered)]
    at = max(v for v in (reached, answered) if v is not None)
    return Note(row, 0.0, at, " → ".join(texts), reached is None or answered is None)


def render_stats_chart(data: StatsChartInput) -> bytes:
    """Draw *data* as a PNG ``WIDTH`` px wide and return its bytes."""
    with render_lock:
        return to_png(_draw(data))


def figure(data: StatsChartInput) -> Figure:
    """The drawn but unsaved figure of *data*, to look at its artists in tests."""
    with render_lock:
        return _draw(data)


def _draw(data: StatsChartInput) -> Figure:
    panels, hidden = plan(data)
    fig = Figure(figsize=(WIDTH / DPI, 10), dpi=DPI, facecolor=BACKGROUND)
    canvas = FigureCanvasAgg(fig)
    measure = AggMeasure(canvas.get_renderer())  # type: ignore[no-untyped-call]
    inner = WIDTH - 2 * MARGIN

    title = measure.fit(data.title, inner, TITLE_SIZES, max_lines=2, bold=True)
    subtitle = measure.fit(data.subtitle, inner, SUBTITLE_SIZES, max_lines=2, bold=False)
    note = measure.fit(data.hidden_note, inner, NOTE_SIZES, max_lines=2, bold=False)

    # Vertical layout, top down, in pixels.
    texts: list[tuple[float, Fitted, bool, str]] = []  # top, text, bold, colour
    y = float(MARGIN)
    texts.append((y, title, True, INK))
    y += title.height + 6
    texts.append((y, subtitle, False, MUTED))
    y += subtitle.height
    placed: list[tuple[Panel, float, float, list[Fitted]]] = []  # panel, legend top, bars top
    for panel in panels:
        y += PANEL_GAP
        heading = measure.fit(panel.title, inner, PANEL_TITLE_SIZES, max_lines=2, bold=True)
        texts.append((y, heading, True, INK))
        y += heading.height + 10
        legend_top = y
        if len(panel.series) > 1:
            y += LEGEND_HEIGHT + 8
        labels = [
            measure.fit(label, LABEL_WIDTH, panel.label_sizes, panel.label_lines, bold=False)
            for label in panel.labels
        ]
        placed.append((panel, legend_top, y, labels))
        y += panel.row_height * len(panel.labels)
        if panel.scale == "score":
            y += AXIS_HEIGHT
    if hidden:
        y += PANEL_GAP if panels else 24
        texts.append((y, note, False, MUTED))
        y += note.height
    height = round(y + MARGIN)
    fig.set_size_inches(WIDTH / DPI, height / DPI)

    def fx(x: float) -> float:
        return x / WIDTH

    def fy(y_from_top: float) -> float:
        return 1 - y_from_top / height

    for top, text, bold, color in texts:
        figure_text(fig, fx(MARGIN), fy(top), text.text, text.size, bold=bold, color=color)

    left = MARGIN + LABEL_WIDTH + LABEL_GAP
    right = WIDTH - MARGIN - VALUE_WIDTH
    for panel, legend_top, bars_top, labels in placed:
        bars_height = panel.row_height * len(panel.labels)
        ax = fig.add_axes(
            (fx(left), fy(bars_top + bars_height), fx(right - left), bars_height / height)
        )
        _draw_panel(ax, fig, panel, labels)
        if len(panel.series) > 1:
            _draw_legend(fig, measure, panel, fx(MARGIN), fy(legend_top))
    return fig


def _draw_panel(ax: Axes, fig: Figure, panel: Panel, labels: Sequence[Fitted]) -> None:
    count = len(panel.labels)
    ax.set_xlim(0, panel.limit)
    ax.set_ylim(count - 0.5, -0.5)  # first row at the top
    ax.patch.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_yticks([])
    if panel.scale == "score":
        ticks = [0, 25, 50, 75, 100]
        ax.set_xticks(ticks, [str(t) for t in ticks], fontproperties=font(TICK_SIZE), color=MUTED)
        ax.tick_params(axis="x", length=0, pad=8)
        for x in ticks:
            ax.axvline(x, color=GRID, linewidth=1, zorder=1.5)
    else:
        ax.set_xticks([])

    rows = range(count)
    for layer, series in enumerate(panel.series):
        if panel.scale == "score":
            tracks = ax.barh(
                [row + series.offset for row in rows],
                [100] * count,
                height=series.thickness,
                color=TRACK,
                zorder=1,
            )
            for track in tracks:
                track.set_gid("track")
        shown = [(row, v) for row, v in zip(rows, series.values, strict=True) if v is not None]
        if shown:
            ax.barh(
                [row + series.offset for row, _ in shown],
                [v for _, v in shown],
                height=series.thickness,
                color=series.color,
                zorder=2 + layer,
            )

    label_at = offset_copy(ax.get_yaxis_transform(), fig=fig, x=-LABEL_GAP, units="dots")
    for row, label in zip(rows, labels, strict=True):
        row_label(ax, row, label.text, label.size, label_at)
    value_at = offset_copy(ax.transData, fig=fig, x=VALUE_GAP, units="dots")
    for note in panel.notes:
        ax.text(
            note.at,
            note.row + note.offset,
            note.text,
            transform=value_at,
            ha="left",
            va="center",
            color=MUTED if note.hidden else INK,
            fontproperties=font(panel.note_size, bold=not note.hidden),
            zorder=5,
            parse_math=False,
        )


def _draw_legend(fig: Figure, measure: Measure, panel: Panel, x: float, y: float) -> None:
    names = [
        measure.fit(s.name, 320, (LEGEND_SIZE,), max_lines=1, bold=False).text for s in panel.series
    ]
    legend_row(fig, [Patch(facecolor=s.color) for s in panel.series], names, x, y, LEGEND_SIZE)

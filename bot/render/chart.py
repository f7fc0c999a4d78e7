"""Draw a student's quiz profile as a PNG horizontal bar chart.

Drawn with Pillow directly (``ImageDraw`` on an RGB image, saved as a palette PNG), in
about a tenth of the time matplotlib took; the look is the one matplotlib drew, and the
statistics chart (:mod:`bot.render.stats_chart`) still draws with it: the same palette,
geometry, fonts and text fitting (:mod:`bot.render.textfit`), each line of text placed
where matplotlib placed it. Every text uses the DejaVu Sans files that ship inside
matplotlib (full Cyrillic), given by path, so no system font lookup happens and
matplotlib is not imported; a character the font lacks is warned about (it is drawn as
a box), as matplotlib did. Importing this module imports Pillow.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from functools import cache, lru_cache

from PIL import Image, ImageColor, ImageDraw, ImageFont

from bot.render.fonts import characters, font_dir, typo_ascent_descent
from bot.render.model import ChartInput, TraitBar, TraitKind
from bot.render.textfit import LINE_SPACING, Fitted, Measure, px

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
VALUE_GAP = 10  # from the end of a bar (or the previous marker) to its number
DELTA_GAP = 6  # from the number to its change since last time

# Sizes in points; the smallest font, 13 pt, is 18 px.
TITLE_SIZES = (26.0, 24.0, 22.0, 20.0)
SUBTITLE_SIZES = (17.0, 16.0, 15.0, 14.0)
LABEL_SIZES = (17.0, 16.0, 15.0, 14.0, 13.0)
VALUE_SIZE = 17.0
DELTA_SIZE = 13.0
TICK_SIZE = 13.0
LEGEND_SIZE = 14.0
TICK_GAP = 8.0  # from the bars down to the axis labels
MARKER_WIDTH = 3.0  # the previous attempt's marker
MARKER_OVERHANG = 0.08  # of a row, above and below the bar
LEGEND_MARKER = 20.0  # its height in the legend

# The legend as matplotlib laid it out, in ems of its font: a handle 1.3 wide, its name
# 0.5 after it, 1.8 between entries; the patch hangs 0.895 from the legend's top, the
# names' baseline is 0.79 below the top, the marker centred 0.395 below the top.
LEGEND_HANDLE = 1.3
LEGEND_NAME_GAP = 0.5
LEGEND_ENTRY_GAP = 1.8
LEGEND_PATCH = 0.895
LEGEND_BASELINE = 0.79
LEGEND_MARKER_MIDDLE = 0.395

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
MARKER_OPACITY = round(PREVIOUS_ALPHA * 255)  # as Pillow blends it: of 255
BACKGROUND = "white"

FONT_REGULAR = font_dir() / "DejaVuSans.ttf"
FONT_BOLD = font_dir() / "DejaVuSans-Bold.ttf"


def clamp(score: float) -> float:
    return min(100.0, max(0.0, float(score)))


def number(score: float) -> str:
    return str(round(clamp(score)))


@lru_cache(maxsize=64)
def font(size: float, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Bold) of *size* points; one object per size, shared by every chart
    (Pillow holds the GIL while it uses a font, so threads may share it). Laid out by
    Pillow's own basic layout, not libraqm, which a Pillow may lack: the same bytes on
    every machine, and faster."""
    path = FONT_BOLD if bold else FONT_REGULAR
    return ImageFont.truetype(str(path), px(size), layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def _width(text: str, size: float, bold: bool) -> float:
    return font(size, bold=bold).getlength(text)


@lru_cache(maxsize=512)
def _stamp(
    text: str, size: float, bold: bool, anchor: str, fraction_x: float, fraction_y: float
) -> tuple[Image.Image, int, int]:
    """One line of text as a mask of its ink, drawn once and pasted onto every chart that
    shows it: the trait names, the axis, the legend, the numbers and the titles come
    from a small set, and Pillow drawing a line (FreeType rendering its glyphs) was half
    of a chart's CPU. Pillow draws a line at a whole pixel, starting its glyphs at the
    fraction of a pixel left over: the stamp is drawn at the same fraction, so pasting
    it at the whole pixel (`left`, `top` from there) gives the same pixels as drawing
    the text there would (for a line drawn at x, y ≥ 0, as every line of a chart is:
    Pillow rounds a negative position towards zero). A stamp is a few kilobytes (a
    title's line about 45); a chart's texts, drawn again and again, take about 170
    stamps."""
    face = font(size, bold=bold)
    x0, y0, x1, y1 = face.getbbox(text, anchor=anchor)
    # The stamp's origin, a whole pixel, far enough in for the ink left of and above it.
    origin_x, origin_y = 1 - math.floor(x0), 1 - math.floor(y0)
    stamp = Image.new("L", (origin_x + math.ceil(x1) + 2, origin_y + math.ceil(y1) + 2), 0)
    ImageDraw.Draw(stamp).text(
        (origin_x + fraction_x, origin_y + fraction_y), text, font=face, fill=255, anchor=anchor
    )
    return stamp, -origin_x, -origin_y


@lru_cache(maxsize=512)
def _ink_box(line: str, size: float, bold: bool) -> tuple[float, float, float, float]:
    """Where the ink of a line lies around its baseline's start (as `getbbox`)."""
    return font(size, bold=bold).getbbox(line, anchor="ls")


class PillowMeasure(Measure):
    """Text widths in pixels, as Pillow draws them (the advance, kerning included)."""

    def width(self, text: str, size: float, bold: bool) -> float:
        return _width(text, size, bold)


def check_glyphs(text: str, *, bold: bool) -> None:
    """Warn, as matplotlib did, of every character of *text* the font has no glyph for."""
    have = characters(FONT_BOLD if bold else FONT_REGULAR)
    for char in dict.fromkeys(text):
        if ord(char) not in have:
            warnings.warn(
                f"Glyph {ord(char)} ({char!r}) missing from font(s) DejaVu Sans: drawn as a box",
                UserWarning,
                stacklevel=2,
            )


def render_profile_chart(data: ChartInput) -> bytes:
    """Draw *data* as a PNG ``WIDTH`` px wide and return its bytes. Thread-safe: what
    charts share (fonts, widths, the palette) sits in caches that are."""
    measure = PillowMeasure()
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

    canvas = Canvas(WIDTH, height)
    canvas.lines(MARGIN, top_title, title, bold=True, color=INK)
    canvas.lines(MARGIN, top_subtitle, subtitle, bold=False, color=MUTED)
    plot = Plot(MARGIN + LABEL_WIDTH + LABEL_GAP, WIDTH - MARGIN - VALUE_WIDTH, top_bars)
    _draw_bars(canvas, plot, data.traits, labels, previous)
    _draw_legend(canvas, measure, data, previous, top_legend)
    return to_png(canvas.picture)


Fill = str | tuple[int, ...]  # a colour as ImageDraw takes it; an RGBA tuple is blended


class Canvas:
    """The picture, drawn in pixels: boxes snapped to whole pixels as Agg snapped bars,
    text placed as matplotlib placed it."""

    def __init__(self, width: int, height: int) -> None:
        self.picture = Image.new("RGB", (width, height), BACKGROUND)
        self._draw = ImageDraw.Draw(self.picture)
        self._blend = ImageDraw.Draw(self.picture, "RGBA")  # slower: only for the marker

    def box(self, x0: float, y0: float, x1: float, y1: float, fill: str) -> None:
        """Fill the pixels whose centres lie in [x0, x1) × [y0, y1)."""
        self._box(self._draw, x0, y0, x1, y1, fill)

    def marker(self, x: float, middle: float, height: float, left: float, right: float) -> None:
        """The previous attempt's mark: a faint upright stroke centred on (x, middle),
        cut off left of *left* and right of *right*."""
        half = px(MARKER_WIDTH) / 2
        ink = (*_rgb(PREVIOUS), MARKER_OPACITY)
        x0, x1 = max(left, x - half), min(right, x + half)
        self._box(self._blend, x0, middle - height / 2, x1, middle + height / 2, ink)

    @staticmethod
    def _box(
        draw: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, fill: Fill
    ) -> None:
        left, top, right, bottom = (math.floor(v + 0.5) for v in (x0, y0, x1, y1))
        if right > left and bottom > top:
            draw.rectangle((left, top, right - 1, bottom - 1), fill=fill)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: float,
        *,
        bold: bool,
        color: str,
        anchor: str = "ls",
    ) -> None:
        """One line of *text*, its baseline at xy (anchor "ls" from the left, "rs" to the
        right, "ms" centred)."""
        check_glyphs(text, bold=bold)
        x, y = xy
        whole_x, whole_y = math.floor(x), math.floor(y)
        stamp, left, top = _stamp(text, size, bold, anchor, x - whole_x, y - whole_y)
        self.picture.paste(color, (whole_x + left, whole_y + top), stamp)

    def centred(
        self, x: float, middle: float, text: str, size: float, *, bold: bool, color: str
    ) -> None:
        """A one-line number from *x*, centred on *middle* as matplotlib centred it: by the
        font's ascent and descent, whatever the digits' ink."""
        ascent, descent = typo_ascent_descent(FONT_BOLD if bold else FONT_REGULAR)
        baseline = middle + (ascent - descent) * px(size) / 2
        self.text((x, baseline), text, size, bold=bold, color=color)

    def lines(
        self,
        x: float,
        top: float,
        fitted: Fitted,
        *,
        bold: bool,
        color: str,
        anchor: str = "ls",
    ) -> None:
        """*fitted* from *top* down, each line's ink centred in a line LINE_SPACING high,
        as matplotlib placed text of a fixed line spacing."""
        line_height = px(fitted.size) * LINE_SPACING
        for i, line in enumerate(fitted.lines):
            _, ink_top, _, ink_bottom = _ink_box(line, fitted.size, bold)
            baseline = top + i * line_height + (line_height - ink_top - ink_bottom) / 2
            self.text((x, baseline), line, fitted.size, bold=bold, color=color, anchor=anchor)


class Plot:
    """Where the bars go: x from 0 to 100 between *left* and *right*, rows of ROW px
    from *top* down, in pixels of the picture."""

    def __init__(self, left: int, right: int, top: float) -> None:
        self.left, self.right, self.top = left, right, top

    def x(self, score: float) -> float:
        return self.left + score / 100 * (self.right - self.left)

    def middle(self, row: int) -> float:
        return self.top + (row + 0.5) * ROW


def _draw_bars(
    canvas: Canvas,
    plot: Plot,
    traits: Sequence[TraitBar],
    labels: Sequence[Fitted],
    previous: dict[str, float],
) -> None:
    half = BAR_THICKNESS * ROW / 2
    bottom = plot.top + ROW * len(traits)
    for row in range(len(traits)):
        middle = plot.middle(row)
        canvas.box(plot.left, middle - half, plot.right, middle + half, TRACK)
    ascent, _ = typo_ascent_descent(FONT_REGULAR)
    for tick in (0, 25, 50, 75, 100):
        # A grid line is a pixel wide and, as matplotlib clipped it, never right of the
        # bars: the one at 100 is not drawn.
        x = plot.x(tick)
        if x < plot.right:
            canvas.box(x, plot.top, x + 1, bottom, GRID)
        baseline = bottom + px(TICK_GAP) + ascent * px(TICK_SIZE)
        canvas.text((x, baseline), str(tick), TICK_SIZE, bold=False, color=MUTED, anchor="ms")

    for row, (trait, label) in enumerate(zip(traits, labels, strict=True)):
        middle = plot.middle(row)
        top = middle - label.height / 2
        canvas.lines(plot.left - LABEL_GAP, top, label, bold=False, color=INK, anchor="rs")
        end = clamp(trait.score) if trait.score is not None else 0.0
        if trait.score is not None:
            canvas.box(plot.left, middle - half, plot.x(end), middle + half, COLORS[trait.kind])
        before = previous.get(trait.label)
        if before is not None:
            height = 2 * (half + MARKER_OVERHANG * ROW)
            canvas.marker(plot.x(before), middle, height, plot.left, plot.right)
        # The number sits right of both the bar and the previous marker, never on them.
        x = plot.x(max(end, before if before is not None else 0.0)) + VALUE_GAP
        value = number(trait.score) if trait.score is not None else "—"
        color = INK if trait.score is not None else MUTED
        canvas.centred(x, middle, value, VALUE_SIZE, bold=True, color=color)
        if trait.score is not None and before is not None:
            delta = round(clamp(trait.score)) - round(before)
            if delta:
                x += _width(value, VALUE_SIZE, True) + DELTA_GAP
                sign = "+" if delta > 0 else "−"
                text = f"{sign}{abs(delta)}"
                canvas.centred(x, middle, text, DELTA_SIZE, bold=False, color=MUTED)


def _draw_legend(
    canvas: Canvas,
    measure: Measure,
    data: ChartInput,
    previous: dict[str, float],
    top: float,
) -> None:
    strength, growth, before = data.legend
    kinds = {t.kind for t in data.traits if t.score is not None}
    entries: list[tuple[str | None, str]] = []  # a patch's colour (None: the marker), name
    if "strength" in kinds:
        entries.append((COLORS["strength"], strength))
    if "growth" in kinds:
        entries.append((COLORS["growth"], growth))
    if any(t.label in previous for t in data.traits):
        entries.append((None, before))
    em = px(LEGEND_SIZE)
    handle = LEGEND_HANDLE * em
    x: float = MARGIN
    for color, name in entries:
        if color is None:
            middle = top + LEGEND_MARKER_MIDDLE * em
            canvas.marker(x + handle / 2, middle, px(LEGEND_MARKER), x, x + handle)
        else:
            canvas.box(x, top, x + handle, top + LEGEND_PATCH * em, color)
        x += handle + LEGEND_NAME_GAP * em
        text = measure.fit(name, 280, (LEGEND_SIZE,), max_lines=1, bold=False).text
        canvas.text((x, top + LEGEND_BASELINE * em), text, LEGEND_SIZE, bold=False, color=MUTED)
        x += measure.width(text, LEGEND_SIZE, False) + LEGEND_ENTRY_GAP * em


# A fixed palette for the PNG: every colour drawn, the marker blended over each ground,
# and shades from each text colour to each ground it is drawn on (the edges of
# antialiased letters). A palette PNG is half the size of an RGB one and several times
# cheaper to encode; mapping to a fixed palette costs ~2 ms. Pillow looks a colour up in
# a cache of 4×4×4 cells, each holding the entry nearest to a corner of it (up to 5.2
# away): entries at least PALETTE_SPACING apart are each mapped to themselves, so every
# flat colour stays exact, and a letter's edge is off by 12 levels of 255 at most.
PALETTE_SPACING = 11.0
PNG_COMPRESS_LEVEL = 1  # zlib's fastest: ~3 ms; the default 6 takes ~8 ms for ~20% less


@cache
def palette() -> tuple[tuple[int, int, int], ...]:
    """The colours of the PNG's palette, the flat ones first."""
    grounds = [_rgb(c) for c in (BACKGROUND, TRACK, GRID, *COLORS.values())]
    inks = [_rgb(c) for c in (INK, MUTED)]
    marker = _rgb(PREVIOUS)
    colours = [*grounds, *inks, *(_mix(marker, g, MARKER_OPACITY / 255) for g in grounds)]
    for ink in inks:
        for ground in grounds[:3]:  # text is drawn on white, the track and a grid line
            steps = math.floor(math.dist(ink, ground) / PALETTE_SPACING)
            for i in range(1, steps):
                shade = _mix(ink, ground, i / steps)
                if all(math.dist(shade, c) >= PALETTE_SPACING for c in colours):
                    colours.append(shade)
    return tuple(colours)


@cache
def _palette_image() -> Image.Image:
    image = Image.new("P", (1, 1))
    image.putpalette([channel for colour in palette() for channel in colour])
    image.load()  # the palette is set now, not by the first (maybe concurrent) quantize
    return image


def _rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = ImageColor.getrgb(colour)[:3]
    return r, g, b


def _mix(
    ink: tuple[int, int, int], ground: tuple[int, int, int], share: float
) -> tuple[int, int, int]:
    """*ink* laid over *ground* with opacity *share*."""
    r, g, b = (round(i * share + o * (1 - share)) for i, o in zip(ink, ground, strict=True))
    return r, g, b


def to_png(picture: Image.Image) -> bytes:
    """*picture* as an opaque palette PNG, without metadata: the bytes depend only on
    what was drawn."""
    indexed = picture.quantize(palette=_palette_image(), dither=Image.Dither.NONE)
    out = io.BytesIO()
    indexed.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()

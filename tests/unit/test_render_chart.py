"""The profile chart: a valid, deterministic PNG with every Cyrillic glyph present,
drawn with Pillow where the scores say."""

from __future__ import annotations

import asyncio
import io
import itertools
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageColor, ImageDraw

from bot.render import ChartInput, TraitBar, fonts, render_profile_chart
from bot.render import chart as impl
from tests.support import run_python

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

RU_LABELS = [
    "Терпение",
    "Эмпатия",
    "Коммуникация и ясная речь",
    "Техническая грамотность",
    "Организованность и тайм-менеджмент",
    "Работа в команде",
    "Стрессоустойчивость",
    "Решение проблем",
    "Обучение и саморазвитие",
]
EN_LABELS = [
    "Patience",
    "Empathy",
    "Communication and clear speech",
    "Technical expertise",
    "Organisation and time management",
    "Teamwork",
    "Stress resistance",
    "Problem solving",
    "Learning and self-development",
]
RU_LEGEND = ("Сильная сторона", "Зона роста", "Прошлый раз")
EN_LEGEND = ("Strength", "Area to grow", "Last time")


def chart(
    labels: list[str] = RU_LABELS,
    scores: list[float | None] | None = None,
    previous: Mapping[str, float] | None = None,
    title: str = "Поддержка вам подходит",
    subtitle: str = "Техподдержка · 78%",
    legend: tuple[str, str, str] = RU_LEGEND,
) -> ChartInput:
    scores = scores if scores is not None else [80, 75, 62, 40, 30, 90, 25, 55, 68]
    kinds = ["strength", "strength", "normal", "normal", "growth", "strength", "growth"]
    kinds += ["normal", "normal"]
    traits = [
        TraitBar(label=label, score=score, kind=kind)  # type: ignore[arg-type]
        for label, score, kind in zip(labels, scores, kinds, strict=True)
    ]
    return ChartInput(title, subtitle, traits, previous, legend)


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


@pytest.fixture
def glyphs_strict() -> Iterator[None]:
    """Any warning — "Glyph ... missing from font(s)" above all — fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_is_a_phone_sized_png() -> None:
    picture = image(render_profile_chart(chart()))
    assert picture.format == "PNG"
    assert picture.width == 1080
    assert 700 <= picture.height <= 1400
    # Not blank: the palette's colours are there.
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None
    assert len(colours) > 20


def test_same_input_same_image_different_input_different_image() -> None:
    first = render_profile_chart(chart())
    assert render_profile_chart(chart()) == first
    assert render_profile_chart(chart(scores=[81, 75, 62, 40, 30, 90, 25, 55, 68])) != first
    assert render_profile_chart(chart(title="Поддержка — не ваше")) != first
    assert render_profile_chart(chart(labels=EN_LABELS, legend=EN_LEGEND)) != first


def test_unmeasured_score_is_drawn_and_differs_from_zero(glyphs_strict: None) -> None:
    scores: list[float | None] = [80, 75, None, 40, 30, 90, 25, 55, 68]
    unmeasured = render_profile_chart(chart(scores=scores))
    zero = render_profile_chart(chart(scores=[80, 75, 0, 40, 30, 90, 25, 55, 68]))
    image(unmeasured)
    assert unmeasured != zero
    everything_missing = render_profile_chart(chart(scores=[None] * 9))
    assert image(everything_missing).width == 1080


def test_empty_previous_is_the_same_as_none() -> None:
    assert render_profile_chart(chart(previous={})) == render_profile_chart(chart(previous=None))


def test_previous_attempt_changes_the_image(glyphs_strict: None) -> None:
    previous = {"Терпение": 60, "Эмпатия": 80, "Коммуникация и ясная речь": 40}
    with_previous = render_profile_chart(chart(previous=previous))
    assert with_previous != render_profile_chart(chart())
    # Labels not on the chart are ignored.
    assert render_profile_chart(chart(previous={"Нет такого": 10})) == render_profile_chart(chart())


def test_scores_are_clamped_to_the_axis() -> None:
    scores: list[float | None] = [150, 75, 62, 40, 30, 90, -5, 55, 68]
    clamped: list[float | None] = [100, 75, 62, 40, 30, 90, 0, 55, 68]
    assert render_profile_chart(chart(scores=scores)) == render_profile_chart(chart(scores=clamped))


@pytest.mark.parametrize(
    ("labels", "legend", "title"),
    [
        (RU_LABELS, RU_LEGEND, "Поддержка вам подходит"),
        (EN_LABELS, EN_LEGEND, "Support suits you"),
    ],
)
def test_longest_real_labels_render_and_fit(
    labels: list[str], legend: tuple[str, str, str], title: str, glyphs_strict: None
) -> None:
    previous = dict.fromkeys(labels, 50.0)
    picture = image(render_profile_chart(chart(labels=labels, previous=previous, title=title)))
    assert picture.width == 1080

    measure = impl.PillowMeasure()
    for label in labels:
        fitted = measure.fit(label, impl.LABEL_WIDTH, impl.LABEL_SIZES, max_lines=2, bold=False)
        assert "…" not in fitted.text, label
        assert fitted.size >= 15, label  # real labels need no shrinking to the minimum
        assert "".join(fitted.text.split()) == "".join(label.split())


def test_absurdly_long_text_is_cut_not_overflowing(glyphs_strict: None) -> None:
    long = "Очень-очень длинное название качества " * 6
    labels = [long, *RU_LABELS[1:]]
    picture = image(render_profile_chart(chart(labels=labels, title=long * 2, subtitle=long)))
    assert picture.width == 1080
    assert picture.height <= 1400


def test_every_cyrillic_glyph_renders_without_warnings(glyphs_strict: None) -> None:
    alphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    labels = [alphabet, alphabet.lower(), "Ґ Є І Ї Ў — − … · « » № %", *RU_LABELS[3:]]
    render_profile_chart(chart(labels=labels, title=alphabet, subtitle=alphabet.lower()))


def test_the_glyph_guard_catches_a_missing_glyph(glyphs_strict: None) -> None:
    """The guard above is real: a glyph DejaVu Sans lacks turns into an error."""
    with pytest.raises(UserWarning, match="missing from font"):
        render_profile_chart(chart(labels=["漢字", *RU_LABELS[1:]]))


def test_the_font_is_matplotlibs_own_dejavu_with_cyrillic() -> None:
    import matplotlib
    from matplotlib.ft2font import FT2Font

    data = Path(matplotlib.get_data_path()).resolve()
    for path in (impl.FONT_REGULAR, impl.FONT_BOLD):
        assert path.resolve().is_relative_to(data)
        font = FT2Font(str(path))
        assert font.family_name == "DejaVu Sans"
        missing = [c for c in "ЁёЖжЩщЪъЫыЭэЮюЯя—−…·" if font.get_char_index(ord(c)) == 0]
        assert missing == []


def test_the_glyph_guard_knows_what_freetype_knows() -> None:
    """The characters the guard reads from the font files are the ones FreeType (in
    matplotlib) finds a glyph for, and the metrics numbers are centred by are the font's."""
    from matplotlib.ft2font import FT2Font

    for path in (impl.FONT_REGULAR, impl.FONT_BOLD):
        font = FT2Font(str(path))
        assert fonts.characters(path) == set(font.get_charmap())
        assert 0x416 in fonts.characters(path)  # Ж
        assert 0x6F22 not in fonts.characters(path)  # 漢
        os2, head = font.get_sfnt_table("OS/2"), font.get_sfnt_table("head")
        assert os2 is not None
        assert head is not None
        ascent, descent = os2["sTypoAscender"], -os2["sTypoDescender"]
        em = head["unitsPerEm"]
        assert fonts.typo_ascent_descent(path) == (ascent / em, descent / em)


def rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = ImageColor.getrgb(colour)[:3]
    return r, g, b


def runs(pixels: Sequence[object], at_least: int) -> list[tuple[int, object]]:
    """(start, colour) of every run of one colour at least *at_least* pixels long."""
    found: list[tuple[int, object]] = []
    start = 0
    for i in range(1, len(pixels) + 1):
        if i == len(pixels) or pixels[i] != pixels[start]:
            if i - start >= at_least:
                found.append((start, pixels[start]))
            start = i
    return found


def test_bars_markers_grid_and_legend_are_where_the_scores_say() -> None:
    scores: list[float | None] = [80, 75, 62, 40, 30, 90, 25, 55, 68]
    previous = {"Терпение": 60.0, "Эмпатия": 100.0}
    picture = image(render_profile_chart(chart(scores=scores, previous=previous)))
    picture = picture.convert("RGB")
    left = impl.MARGIN + impl.LABEL_WIDTH + impl.LABEL_GAP
    right = impl.WIDTH - impl.MARGIN - impl.VALUE_WIDTH
    white, track, grid = rgb(impl.BACKGROUND), rgb(impl.TRACK), rgb(impl.GRID)
    strength, growth, normal = (rgb(impl.COLORS[k]) for k in ("strength", "growth", "normal"))
    colours = [strength, strength, normal, normal, growth, strength, growth, normal, normal]

    # The bars, top down: one run of a bar's colour per trait, ROW apart.
    thickness = round(impl.BAR_THICKNESS * impl.ROW)
    column = [picture.getpixel((left + 2, y)) for y in range(picture.height)]
    bars = [(y, c) for y, c in runs(column, thickness) if c in colours]
    assert [c for _, c in bars] == colours
    tops = [y for y, _ in bars]
    assert {b - a for a, b in itertools.pairwise(tops)} == {impl.ROW}
    middles = [top + thickness // 2 for top in tops]
    for row, (middle, score) in enumerate(zip(middles, scores, strict=True)):
        assert score is not None
        end = next(x for x in range(left, right) if picture.getpixel((x, middle)) in (track, grid))
        assert abs(end - (left + score / 100 * (right - left))) <= 1, (score, end)
        if row > 1:  # no previous attempt: the track goes on to 100, behind the number
            assert picture.getpixel((right - 1, middle)) == track
            assert picture.getpixel((right, middle)) == white

    # The previous attempt: a darker stroke over the bar at 60, and at 100 at the very end.
    at_60 = picture.getpixel((round(left + 0.6 * (right - left)), middles[0]))
    assert isinstance(at_60, tuple)
    assert sum(at_60) < sum(strength) - 60
    at_100 = picture.getpixel((right - 1, middles[1]))
    assert isinstance(at_100, tuple)
    assert sum(at_100) < sum(track) - 200

    # Grid lines at 0, 25, 50, 75 (between two bars), none at 100.
    gap = middles[0] + impl.ROW // 2
    lines = [x for x in range(left - 5, right + 5) if picture.getpixel((x, gap)) == grid]
    assert lines == [left + math.floor(t / 100 * (right - left) + 0.5) for t in (0, 25, 50, 75)]

    # The legend above the bars: a patch for strength and one for growth (both measured),
    # then the previous attempt's marker, upright.
    y = tops[0] - 60
    legend = [picture.getpixel((x, y)) for x in range(impl.WIDTH)]
    patches = [(x, c) for x, c in runs(legend, 20) if c != white]
    assert [c for _, c in patches] == [strength, growth]
    assert patches[0][0] == impl.MARGIN
    strokes = [
        x
        for x in range(patches[-1][0], impl.WIDTH)
        for _, c in runs([picture.getpixel((x, v)) for v in range(y - 20, y + 20)], 20)
        if c not in (white, growth)
    ]
    assert len(strokes) == 4, strokes  # 3 pt wide


def test_the_png_keeps_every_flat_colour_exactly() -> None:
    """The palette PNG: every colour of the palette comes out as itself (the backgrounds,
    bars and text colours are exact), and antialiased shades stay close."""
    palette = impl.palette()
    assert len(palette) <= 256
    for name in (impl.BACKGROUND, impl.TRACK, impl.GRID, impl.INK, impl.MUTED):
        assert rgb(name) in palette
    flat = Image.new("RGB", (len(palette), 1))
    for x, colour in enumerate(palette):
        flat.putpixel((x, 0), colour)
    out = image(impl.to_png(flat))
    assert out.mode == "P"
    assert [out.convert("RGB").getpixel((x, 0)) for x in range(len(palette))] == list(palette)

    ink, white = rgb(impl.INK), rgb(impl.BACKGROUND)
    shades = Image.new("RGB", (256, 1))
    for x in range(256):
        shades.putpixel(
            (x, 0),
            tuple(round((i * x + w * (255 - x)) / 255) for i, w in zip(ink, white, strict=True)),
        )
    out = image(impl.to_png(shades)).convert("RGB")
    for x in range(256):
        drawn, kept = shades.getpixel((x, 0)), out.getpixel((x, 0))
        assert isinstance(drawn, tuple)
        assert isinstance(kept, tuple)
        assert max(abs(a - b) for a, b in zip(drawn, kept, strict=True)) <= 12


@pytest.mark.parametrize("anchor", ["ls", "rs", "ms"])
def test_text_pasted_from_a_kept_stamp_is_what_pillow_draws(anchor: str) -> None:
    """A line of text is drawn once and pasted from then on: at every fraction of a
    pixel, on white and on a coloured ground, its pixels are Pillow's own."""
    lines = ["Стрессоустойчивость", "100", "+7", "−12", "Техподдержка · 78%", "Wy"]
    for text, size, bold in itertools.product(lines, (13.0, 17.0, 26.0), (False, True)):
        # Inside, and at the edges: from the left edge, and running off the right one.
        places = [(200.0, 60.0), (200.37, 60.5), (200.999, 60.25), (333.5, 71.75)]
        places += [(0.0, 30.4), (0.6, 118.5), (470.3, 60.0)]
        for x, y in places:
            for ground in ("white", impl.TRACK):
                drawn = impl.Canvas(500, 120)
                drawn.box(0, 0, 500, 120, ground)
                ImageDraw.Draw(drawn.picture).text(
                    (x, y), text, font=impl.font(size, bold=bold), fill=impl.INK, anchor=anchor
                )
                for _ in range(2):  # drawing the stamp, then taking it from the cache
                    pasted = impl.Canvas(500, 120)
                    pasted.box(0, 0, 500, 120, ground)
                    pasted.text((x, y), text, size, bold=bold, color=impl.INK, anchor=anchor)
                    assert pasted.picture.tobytes() == drawn.picture.tobytes(), (text, x, y)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        TraitBar("Терпение", 50, "excellent")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        TraitBar("Терпение", float("nan"))
    with pytest.raises(ValueError, match="at least one trait"):
        ChartInput("t", "s", [])


def test_threads_render_the_same_as_one_by_one() -> None:
    inputs = [chart(scores=[s, 75, 62, 40, 30, 90, 25, 55, 68]) for s in (10, 40, 70, 100)]
    expected = [render_profile_chart(i) for i in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render_profile_chart, inputs)) == expected


async def test_renders_off_the_event_loop() -> None:
    png = await asyncio.to_thread(render_profile_chart, chart())
    assert png.startswith(PNG_MAGIC)


def test_importing_the_package_and_drawing_do_not_import_matplotlib() -> None:
    result = run_python(
        "import sys, bot.render\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "from bot.render import ChartInput, TraitBar, render_profile_chart\n"
        "png = render_profile_chart(ChartInput('t', 's', [TraitBar('Терпение', 50)]))\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported to draw'\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

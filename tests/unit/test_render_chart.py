"""The profile chart: a valid, deterministic PNG with every Cyrillic glyph present."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from bot.render import ChartInput, TraitBar, render_profile_chart
from bot.render._mplsetup import choose_config_dir

ROOT = Path(__file__).resolve().parents[2]
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
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.render import chart as impl
    from bot.render.textfit import DPI

    previous = dict.fromkeys(labels, 50.0)
    picture = image(render_profile_chart(chart(labels=labels, previous=previous, title=title)))
    assert picture.width == 1080

    renderer = FigureCanvasAgg(Figure(dpi=DPI)).get_renderer()  # type: ignore[no-untyped-call]
    measure = impl.AggMeasure(renderer)
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

    from bot.render import chart as impl

    data = Path(matplotlib.get_data_path()).resolve()
    for path in (impl.FONT_REGULAR, impl.FONT_BOLD):
        assert path.resolve().is_relative_to(data)
        font = FT2Font(str(path))
        assert font.family_name == "DejaVu Sans"
        missing = [c for c in "ЁёЖжЩщЪъЫыЭэЮюЯя—−…·" if font.get_char_index(ord(c)) == 0]
        assert missing == []


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


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_the_package_does_not_import_matplotlib() -> None:
    code = (
        "import sys, bot.render\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "from bot.render import ChartInput, TraitBar, render_profile_chart\n"
        "render_profile_chart(ChartInput('t', 's', [TraitBar('Терпение', 50)]))\n"
        "assert 'matplotlib' in sys.modules\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot used'\n"
    )
    result = run_python(code, {**os.environ, "PYTHONWARNINGS": "error"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_unwritable_home_falls_back_quietly(tmp_path: Path) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MPLBACKEND"}
    }
    env.update(HOME=str(home), TMPDIR=str(temp))
    code = (
        "import os\n"
        "from bot.render import ChartInput, TraitBar, render_profile_chart\n"
        "png = render_profile_chart(ChartInput('t', 's', [TraitBar('Терпение', 50)]))\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "print(os.environ['MPLCONFIGDIR'])\n"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no "Matplotlib created a temporary cache directory"
    chosen = Path(result.stdout.strip())
    assert chosen.parent == temp
    assert chosen.name == f"careerbot-matplotlib-{os.getuid()}"
    assert list(chosen.glob("fontlist-*.json"))  # the font cache is kept for next time


def test_config_dir_is_left_alone_when_usable(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_CACHE_HOME": str(tmp_path / "k")}
    assert choose_config_dir(env) is None
    assert "MPLCONFIGDIR" not in env
    assert (tmp_path / "c" / "matplotlib").is_dir()

    preset = {"MPLCONFIGDIR": "/somewhere/chosen/by/the/admin"}
    assert choose_config_dir(preset) is None
    assert preset == {"MPLCONFIGDIR": "/somewhere/chosen/by/the/admin"}


def test_config_dir_falls_back_when_unusable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"XDG_CONFIG_HOME": str(blocker), "XDG_CACHE_HOME": str(tmp_path / "k")}
    chosen = choose_config_dir(env)
    assert chosen is not None
    assert env["MPLCONFIGDIR"] == chosen
    assert Path(chosen).is_dir()
    assert os.access(chosen, os.W_OK)

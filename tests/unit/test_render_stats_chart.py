"""A career centre's statistics chart: a valid PNG where hidden values are never drawn,
and matplotlib (which draws it) set up quietly wherever it runs."""

from __future__ import annotations

import dataclasses
import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from bot.render import (
    DropoffRow,
    LabelledCount,
    StatsChartInput,
    TraitComparison,
    render_stats_chart,
)
from bot.render import stats_chart as impl
from bot.render._mplsetup import choose_config_dir
from tests.support import run_python

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SCREENS = [
    "Клиент злится из-за задержки заказа",
    "Вы не знаете ответа на вопрос",
    "Три чата одновременно",
    "Коллега просит подменить смену",
    "Ночная смена и выходные",
    "Жалоба в соцсетях",
]


def dropoff(rows: int = 26) -> tuple[DropoffRow, ...]:
    return tuple(
        DropoffRow(f"В{i + 1} · {SCREENS[i % len(SCREENS)]}", 124 - 4 * i, 120 - 4 * i)
        for i in range(rows)
    )


FULL = StatsChartInput(
    title="Центр карьеры НИУ ВШЭ — Санкт-Петербург",
    subtitle="Последние 30 дней · 124 студента начали",
    bands_title="Насколько подходит поддержка",
    bands=(
        LabelledCount("Очень подходит", 38),
        LabelledCount("Скорее подходит", 51),
        LabelledCount("Скорее не подходит", 27),
        LabelledCount("Не подходит", 0),
    ),
    specialisations_title="Рекомендованные специализации",
    specialisations=(
        LabelledCount("Техподдержка второй линии", 44),
        LabelledCount("Клиентский сервис", 36),
        LabelledCount("Аккаунт-менеджмент", 21),
        LabelledCount("Обучение операторов", 12),
    ),
    traits_title="Профиль качеств",
    traits=(
        TraitComparison("Терпение", 72, 65),
        TraitComparison("Эмпатия", 68, 70),
        TraitComparison("Коммуникация и ясная речь", 55, 61),
        TraitComparison("Организованность и тайм-менеджмент", 49, 52),
    ),
    centre_legend="Этот центр",
    everyone_legend="Все студенты",
    dropoff_title="Где студенты бросают тест",
    dropoff=dropoff(),
    reached_legend="Дошли",
    answered_legend="Ответили",
    hidden_note="Группы меньше 10 студентов не показаны",
)

# Some of everything hidden: 1 band, 1 specialisation, 1 centre score, 2 screens' answers
# and 1 screen's both figures.
PARTLY_HIDDEN = dataclasses.replace(
    FULL,
    bands=(*FULL.bands[:3], LabelledCount("Не подходит", None)),
    specialisations=(*FULL.specialisations[:3], LabelledCount("Контроль качества", None)),
    traits=(*FULL.traits[:3], TraitComparison("Техническая грамотность", None, 48)),
    dropoff=(
        *dropoff(23),
        DropoffRow("В24 · Клиент грубит", 32, None),
        DropoffRow("В25 · Клиент просит скидку", 30, None),
        DropoffRow("В26 · Последний вопрос", None, None),
    ),
)

ALL_HIDDEN = dataclasses.replace(
    FULL,
    bands=tuple(LabelledCount(b.label, None) for b in FULL.bands),
    specialisations=tuple(LabelledCount(s.label, None) for s in FULL.specialisations),
    traits=tuple(TraitComparison(t.label, None, None) for t in FULL.traits),
    dropoff=tuple(DropoffRow(d.label, None, None) for d in FULL.dropoff),
)


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(png))
    picture.load()
    assert picture.format == "PNG"
    return picture


def shown_values(data: StatsChartInput) -> int:
    values = [
        *(b.value for b in data.bands),
        *(s.value for s in data.specialisations),
        *(x for t in data.traits for x in (t.centre, t.everyone)),
        *(x for d in data.dropoff for x in (d.reached, d.answered)),
    ]
    return sum(v is not None for v in values)


def drawn_bars(fig: Figure) -> list[Rectangle]:
    """Every rectangle drawn in a panel except the pale 0–100 tracks behind scores: a
    hidden value drawn in any way (even as a zero-length bar) would be counted."""
    return [
        patch
        for ax in fig.axes
        for patch in ax.patches
        if isinstance(patch, Rectangle) and patch.get_gid() != "track"
    ]


def texts(fig: Figure) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
    for legend in fig.legends:
        found += [t.get_text() for t in legend.get_texts()]
    return found


@pytest.fixture
def glyphs_strict() -> Iterator[None]:
    """Any warning — "Glyph ... missing from font(s)" above all — fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_full_data_is_a_tall_phone_wide_png(glyphs_strict: None) -> None:
    picture = image(render_stats_chart(FULL))
    assert picture.width == 1080
    assert 1800 <= picture.height <= 3200  # 26 screens make it tall, each row is ~34 px
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is not None
    assert len(colours) > 20


def test_the_height_follows_the_number_of_screens() -> None:
    few = image(render_stats_chart(dataclasses.replace(FULL, dropoff=dropoff(5))))
    many = image(render_stats_chart(dataclasses.replace(FULL, dropoff=dropoff(30))))
    assert abs(many.height - few.height - 25 * 34) <= 1


@pytest.mark.parametrize("data", [FULL, PARTLY_HIDDEN, ALL_HIDDEN], ids=["full", "partly", "all"])
def test_one_bar_per_shown_value_and_none_for_hidden_ones(data: StatsChartInput) -> None:
    fig = impl.figure(data)
    assert len(drawn_bars(fig)) == shown_values(data)
    panels, _ = impl.plan(data)
    assert sum(panel.bar_count for panel in panels) == shown_values(data)


def test_hidden_counts_are_marked_beside_their_label() -> None:
    found = texts(impl.figure(PARTLY_HIDDEN))
    # One band, one specialisation, 2 screens' answers and one screen shown as "<10".
    assert found.count("<10") == 3
    assert "32 → <10" in found
    assert "30 → <10" in found
    assert found.count("—") == 1  # the hidden centre score: "<10" would read as a score
    assert "124 → 120" in found
    assert "Группы меньше 10 студентов не показаны" in found
    assert "Группы меньше 10 студентов не показаны" not in texts(impl.figure(FULL))


def test_a_panel_with_nothing_shown_is_left_out() -> None:
    only_traits_hidden = dataclasses.replace(FULL, traits=ALL_HIDDEN.traits)
    fig = impl.figure(only_traits_hidden)
    assert len(fig.axes) == 3
    found = texts(fig)
    assert "Профиль качеств" not in found
    assert "Этот центр" not in found
    assert "Группы меньше 10 студентов не показаны" in found

    empty = dataclasses.replace(FULL, specialisations=(), dropoff=())
    fig = impl.figure(empty)
    assert len(fig.axes) == 2
    assert "Рекомендованные специализации" not in texts(fig)
    assert "Группы меньше 10 студентов не показаны" not in texts(fig)  # nothing was hidden


def test_everything_hidden_still_renders_the_title_and_the_note(glyphs_strict: None) -> None:
    fig = impl.figure(ALL_HIDDEN)
    assert fig.axes == []
    assert [t.get_text() for t in fig.texts] == [
        "Центр карьеры НИУ ВШЭ — Санкт-Петербург",
        "Последние 30 дней · 124 студента начали",
        "Группы меньше 10 студентов не показаны",
    ]
    picture = image(render_stats_chart(ALL_HIDDEN))
    assert picture.width == 1080
    assert 150 <= picture.height <= 400


def test_nothing_at_all_renders() -> None:
    empty = dataclasses.replace(FULL, bands=(), specialisations=(), traits=(), dropoff=())
    assert image(render_stats_chart(empty)).width == 1080


def test_only_the_centres_scores_hidden_keeps_everyone_s() -> None:
    data = dataclasses.replace(
        FULL, traits=tuple(TraitComparison(t.label, None, t.everyone) for t in FULL.traits)
    )
    fig = impl.figure(data)
    assert len(drawn_bars(fig)) == shown_values(data)
    assert texts(fig).count("—") == len(FULL.traits)


def test_every_cyrillic_glyph_renders_without_warnings(glyphs_strict: None) -> None:
    alphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    data = dataclasses.replace(
        PARTLY_HIDDEN,
        title=alphabet,
        subtitle=alphabet.lower(),
        bands=(LabelledCount("Ґ Є І Ї Ў — − … · « » № %", 12), *PARTLY_HIDDEN.bands),
        dropoff=(DropoffRow("В1 · " + alphabet.lower(), 50, 40), *PARTLY_HIDDEN.dropoff),
    )
    image(render_stats_chart(data))


def test_the_glyph_guard_catches_a_missing_glyph(glyphs_strict: None) -> None:
    with pytest.raises(UserWarning, match="missing from font"):
        render_stats_chart(dataclasses.replace(FULL, title="漢字"))


def test_long_labels_are_cut_not_overflowing(glyphs_strict: None) -> None:
    long = "Очень-очень длинное название вопроса " * 5
    data = dataclasses.replace(
        FULL,
        title=long,
        bands=(LabelledCount(long, 10), *FULL.bands),
        dropoff=(DropoffRow(long, 130, 2), *FULL.dropoff),
    )
    fig = impl.figure(data)
    assert any(text.endswith("…") for text in texts(fig))
    assert image(render_stats_chart(data)).width == 1080


def test_same_input_same_image_different_input_different_image() -> None:
    first = render_stats_chart(PARTLY_HIDDEN)
    assert render_stats_chart(PARTLY_HIDDEN) == first
    changed = dataclasses.replace(
        PARTLY_HIDDEN, bands=(LabelledCount("Очень подходит", 39), *PARTLY_HIDDEN.bands[1:])
    )
    assert render_stats_chart(changed) != first


def test_scores_are_clamped() -> None:
    wild = dataclasses.replace(FULL, traits=(TraitComparison("Терпение", 150, -5),))
    tame = dataclasses.replace(FULL, traits=(TraitComparison("Терпение", 100, 0),))
    assert render_stats_chart(wild) == render_stats_chart(tame)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        LabelledCount("Очень подходит", -1)
    with pytest.raises(ValueError, match="negative"):
        DropoffRow("В1", 10, -1)
    with pytest.raises(ValueError, match="finite"):
        TraitComparison("Терпение", float("nan"), 50)
    with pytest.raises(ValueError, match="finite"):
        TraitComparison("Терпение", 50, float("inf"))


# A statistics chart of one count, as Python code for a fresh interpreter.
SMALLEST = (
    "n = LabelledCount('Терпение', 12)\n"
    "data = StatsChartInput('t', 's', 'b', (n,), 's', (), 't', (), 'c', 'e', 'd', (),"
    " 'r', 'a', 'h')\n"
)


def test_importing_the_package_does_not_import_matplotlib() -> None:
    result = run_python(
        "import sys, bot.render\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "from bot.render import LabelledCount, StatsChartInput, render_stats_chart\n"
        f"{SMALLEST}"
        "assert render_stats_chart(data).startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot used'\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_labels_are_texts_not_maths() -> None:
    data = dataclasses.replace(FULL, bands=(LabelledCount("$x$ и 50%", 12),))
    fig = impl.figure(data)
    label = next(t for ax in fig.axes for t in ax.texts if t.get_text() == "$x$ и 50%")
    assert isinstance(label, Text)
    assert not label.get_parse_math()


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
        "from bot.render import LabelledCount, StatsChartInput, render_stats_chart\n"
        f"{SMALLEST}"
        "assert render_stats_chart(data).startswith(b'\\x89PNG')\n"
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

"""The poster QR code: a printable PNG whose modules are exactly segno's code of the link.

No QR decoder is installed, so the image is read back module by module (a pixel at each
module's centre) and compared with the matrix segno builds for the same link on its own.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import segno
from PIL import Image

from bot.render import render_qr

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LINK = "https://t.me/careerbot?start=centre_42"
LONG_LINK = "https://t.me/careerbot?start=" + "c" * 500  # a large version, 400+ bytes


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    picture = Image.open(io.BytesIO(png))
    picture.load()
    assert picture.format == "PNG"
    return picture.convert("L")


def modules_in(picture: Image.Image, url: str) -> tuple[list[list[bool]], int]:
    """The dark/light module grid sampled from the picture's top square, and the scale.

    Sizes come from segno's own code for *url*: its side in modules plus the 4-module
    quiet zone on each side must divide the picture's width.
    """
    side = len(segno.make(url, error="m", micro=False).matrix)
    total = side + 2 * 4
    assert picture.width % total == 0, (picture.width, total)
    scale = picture.width // total
    border = 4 * scale
    grid = [
        [
            picture.getpixel((border + col * scale + scale // 2, border + row * scale + scale // 2))
            == 0
            for col in range(side)
        ]
        for row in range(side)
    ]
    # Every module is one flat colour, not just its centre pixel.
    for row in range(side):
        for col in range(side):
            box = (
                border + col * scale,
                border + row * scale,
                border + (col + 1) * scale,
                border + (row + 1) * scale,
            )
            assert picture.crop(box).getextrema() in {(0, 0), (255, 255)}, (row, col)
    return grid, scale


def assert_quiet_zone_blank(picture: Image.Image, scale: int) -> None:
    width = picture.width
    border = 4 * scale
    for box in (
        (0, 0, width, border),  # top
        (0, width - border, width, width),  # bottom
        (0, 0, border, width),  # left
        (width - border, 0, width, width),  # right
    ):
        assert picture.crop(box).getextrema() == (255, 255), box


@pytest.mark.parametrize("url", [LINK, "https://t.me/b", LONG_LINK, "https://t.me/бот?start=ы"])
def test_the_image_holds_exactly_segnos_code_of_the_link(url: str) -> None:
    picture = image(render_qr(url))
    grid, scale = modules_in(picture, url)
    expected = segno.make(url, error="m", micro=False)
    assert grid == [[bool(bit) for bit in row] for row in expected.matrix]
    assert picture.height == picture.width  # no caption: just the code and its quiet zone
    assert_quiet_zone_blank(picture, scale)


def test_another_link_gives_another_code() -> None:
    picture = image(render_qr(LINK))
    grid, _ = modules_in(picture, LINK)
    other = segno.make(LINK + "3", error="m", micro=False)
    assert grid != [[bool(bit) for bit in row] for row in other.matrix]


def test_a_short_link_is_a_full_qr_code_with_error_correction_m_or_better() -> None:
    from bot.render.qr import make_code

    for url in ("https://t.me/b", LINK, LONG_LINK):
        code = make_code(url)
        assert not code.is_micro  # Micro QR is not read by most phone cameras
        assert code.error in {"M", "Q", "H"}


@pytest.mark.parametrize("url", ["https://t.me/b", LINK, LONG_LINK])
def test_is_a_printable_size(url: str) -> None:
    picture = Image.open(io.BytesIO(render_qr(url)))
    assert 800 <= picture.width <= 1200
    assert picture.info["dpi"] == pytest.approx((300, 300), abs=0.1)


def test_caption_goes_under_the_code_in_cyrillic() -> None:
    caption = "Центр карьеры НИУ ВШЭ — Санкт-Петербург\nhttps://t.me/careerbot?start=centre_42"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_qr(LINK, caption=caption)
    picture = image(png)
    assert picture.height > picture.width
    grid, scale = modules_in(picture, LINK)  # the code itself is unchanged
    assert grid == [[bool(b) for b in row] for row in segno.make(LINK, error="m").matrix]
    assert_quiet_zone_blank(picture, scale)
    below = picture.crop((0, picture.width, picture.width, picture.height))
    assert sum(below.histogram()[:64]) > 0  # dark text is there
    assert png != render_qr(LINK, caption="Другой центр")
    assert render_qr(LINK, caption="   ") == render_qr(LINK)


def test_a_missing_glyph_would_show() -> None:
    """The caption font has Cyrillic: a Cyrillic caption is not drawn as empty boxes."""
    from PIL import ImageFont

    from bot.render.qr import font_path

    font = ImageFont.truetype(str(font_path()), 40)
    tofu = font.getmask("\uffff").getbbox()
    for letter in "ЁЖЩЪЫЭЮЯёжщъыэюя—…·":
        assert font.getmask(letter).getbbox() != tofu, letter


def test_the_font_is_the_charts_dejavu() -> None:
    from bot.render import chart
    from bot.render.qr import font_path

    assert font_path().resolve() == chart.FONT_REGULAR.resolve()


def test_a_long_caption_is_wrapped_and_cut_not_overflowing() -> None:
    long = "Очень длинное название карьерного центра " * 20
    picture = image(render_qr(LINK, caption=long + "\n" + LONG_LINK))
    assert 800 <= picture.width <= 1200
    assert picture.height < picture.width * 1.5
    # No text runs into the side margins (the quiet zone's width).
    scale = picture.width // (len(segno.make(LINK, error="m").matrix) + 8)
    below = picture.crop((0, picture.width, picture.width, picture.height))
    assert below.crop((0, 0, 4 * scale - 1, below.height)).getextrema() == (255, 255)
    right = (picture.width - 4 * scale + 1, 0, picture.width, below.height)
    assert below.crop(right).getextrema() == (255, 255)


def test_wrap_breaks_a_link_after_a_separator() -> None:
    from PIL import ImageFont

    from bot.render.qr import _wrap, font_path

    font = ImageFont.truetype(str(font_path()), 40)
    text = "Ссылка: " + LONG_LINK
    lines = _wrap(text, font, 600)
    assert len(lines) > 2
    assert all(font.getlength(line) <= 600 for line in lines)
    assert "".join(lines) == text.replace(" ", "")  # nothing lost but the space
    assert lines[0] == "Ссылка:"
    assert lines[1] == "https://t.me/careerbot?"  # broken after a separator


def test_same_input_same_bytes() -> None:
    assert render_qr(LINK, caption="Центр") == render_qr(LINK, caption="Центр")


def test_empty_link_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        render_qr("  ")


def test_importing_the_package_imports_neither_segno_nor_pillow() -> None:
    code = (
        "import sys, bot.render\n"
        "for name in ('segno', 'PIL', 'matplotlib'):\n"
        "    assert name not in sys.modules, name + ' imported eagerly'\n"
        "from bot.render import render_qr\n"
        "assert render_qr('https://t.me/b', caption='Центр').startswith(b'\\x89PNG')\n"
        "assert 'segno' in sys.modules\n"
        "assert 'matplotlib' not in sys.modules, 'the QR code needs no matplotlib'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "error"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

"""A printable QR code of a link, as a PNG, with an optional caption under it.

Career centres print the bot's link on posters. The code is a full QR code (never a
Micro QR, which many phone cameras do not read), error correction level M or higher,
black on white, with the standard quiet zone of 4 modules, scaled to about 1000 px.

The caption is drawn with Pillow in the DejaVu Sans that ships inside matplotlib (full
Cyrillic), found by path without importing matplotlib. Importing this module imports
segno and Pillow (~50 ms): ``bot.render`` does it lazily.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from bot.render.fonts import font_dir

ERROR = "m"  # the least; segno raises it for free when the version has room to spare
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires
TARGET_WIDTH = 1000  # px; the scale is the whole number of pixels per module nearest it
PRINT_DPI = 300  # stored in the PNG: 1000 px print about 8.5 cm wide

CAPTION_SIZES = (44, 40, 36, 32, 28)  # px, the largest that fits is chosen
CAPTION_MAX_LINES = 6
LINE_SPACING = 1.25
DARK = 0
LIGHT = 255


def font_path() -> Path:
    """matplotlib's DejaVu Sans, the same file the charts use, without importing it."""
    return font_dir() / "DejaVuSans.ttf"


def make_code(url: str) -> segno.QRCode:
    """The QR code of *url*: a full QR code, level M or higher."""
    if not url.strip():
        raise ValueError("a QR code needs a non-empty link")
    return segno.make_qr(url, error=ERROR)


def scale_for(code: segno.QRCode) -> int:
    """Pixels per module, so that the code with its quiet zone is about TARGET_WIDTH."""
    modules, _ = code.symbol_size(scale=1, border=QUIET_ZONE)
    return max(1, round(TARGET_WIDTH / modules))


def render_qr(url: str, *, caption: str | None = None) -> bytes:
    """A grayscale PNG of *url*'s QR code, with *caption* (lines split at "\\n") under it."""
    code = make_code(url)
    scale = scale_for(code)
    raw = io.BytesIO()
    code.save(raw, kind="png", scale=scale, border=QUIET_ZONE, dark="black", light="white")
    picture = Image.open(raw).convert("L")
    if caption is not None and caption.strip():
        picture = _with_caption(picture, caption, margin=QUIET_ZONE * scale)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True, dpi=(PRINT_DPI, PRINT_DPI))
    return out.getvalue()


def _with_caption(code: Image.Image, caption: str, *, margin: int) -> Image.Image:
    """*code* with *caption* centred below its quiet zone, which stays blank."""
    width = code.width
    text_width = width - 2 * margin
    font, lines = _fit(caption, text_width)
    size = int(font.size)
    line_height = round(size * LINE_SPACING)
    height = code.height + line_height * len(lines) + margin // 2
    picture = Image.new("L", (width, height), LIGHT)
    picture.paste(code, (0, 0))
    draw = ImageDraw.Draw(picture)
    top = code.height  # right below the quiet zone
    for i, line in enumerate(lines):
        draw.text(
            (width / 2, top + i * line_height + line_height / 2),
            line,
            font=font,
            fill=DARK,
            anchor="mm",
        )
    return picture


def _fit(caption: str, limit: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest caption size whose wrapped lines are few enough; at the smallest
    size, what does not fit in CAPTION_MAX_LINES is cut with "…"."""
    paragraphs = [" ".join(line.split()) for line in caption.strip().splitlines()]
    for size in CAPTION_SIZES:
        font = ImageFont.truetype(str(font_path()), size)
        lines = [wrapped for p in paragraphs for wrapped in _wrap(p, font, limit)]
        if len(lines) <= CAPTION_MAX_LINES:
            return font, lines
    kept = lines[:CAPTION_MAX_LINES]
    last = kept[-1]
    while last and font.getlength(last + "…") > limit:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return font, kept


def _wrap(text: str, font: ImageFont.FreeTypeFont, limit: float) -> list[str]:
    """Lines no wider than *limit*, broken at spaces; a word too long for a line (a
    link, say) is broken after a "/", "?", "&", "=", "-" or ".", else anywhere."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while font.getlength(word) > limit:
            head = _longest_head(word, font, limit)
            lines.append(head)
            word = word[len(head) :]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _longest_head(word: str, font: ImageFont.FreeTypeFont, limit: float) -> str:
    """The longest start of *word* that fits, ending after a separator if one falls in
    its second half."""
    end = 1
    while end < len(word) and font.getlength(word[: end + 1]) <= limit:
        end += 1
    head = word[:end]
    for i in range(len(head) - 1, len(head) // 2, -1):
        if head[i - 1] in "/?&=-.":
            return head[:i]
    return head

"""The Heart-Code: the QR code of a patient's emergency page, as SVG, PNG, a wallet card, and read back from a photo.

Pure functions over bytes: no models, no database, no request.
"""

import functools
import math
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import segno
import zxingcpp
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, ImageOps

# Quartile recovers a code with a quarter of it scratched, creased or glared; segno raises it further when
# that costs no extra size.
ERROR_CORRECTION = "q"
QUIET_ZONE_MODULES = 4

# ISO/IEC 7810 ID-1, the size of a bank card, at print resolution.
CARD_DPI = 300
CARD_SIZE_MM = (85.6, 54.0)
CARD_SIZE_PX = (1011, 638)
CARD_MARGIN_PX = 56
# The QR code's box, quiet zone included; its dark part stays near 28 mm, well above the 20 mm a phone
# needs from a printed card.
CARD_QR_BOX_PX = 420
CARD_QR_RIGHT_PX = 16
TEXT_COLOR = "#1c2430"
HEART_COLOR = "#c62828"

PDF_CARD_POSITION_MM = (15.0, 15.0)

# Pillow's bundled font has ASCII only, so an "é" would print as an empty box; DejaVu Sans (free licence,
# see fonts/LICENSE-DejaVu.txt) ships with the code so that no machine depends on its system fonts.
FONT_FILES = {
    False: Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
    True: Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf",
}

# Phones photograph at 12+ megapixels; 2000 px on the long side keeps the code's modules several pixels wide
# while decoding in a fraction of the time.
DECODE_MAX_SIDE_PX = 2000
# Formats phones and screenshots produce. Others are refused: EPS, for one, would run Ghostscript.
DECODE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class QRDecodeError(ValueError):
    """A photo that cannot be read; `message` is shown to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- The code itself ---------------------------------------------------------------------------------------


def _qr(url: str) -> segno.QRCode:
    # Always a full QR code: segno.make may choose a Micro QR for short texts, which phone cameras ignore.
    return segno.make_qr(url, error=ERROR_CORRECTION)


def qr_svg(url: str) -> bytes:
    """A standalone SVG, one millimetre per module: it prints at a size phones read from arm's length."""
    buffer = BytesIO()
    _qr(url).save(buffer, kind="svg", scale=1, unit="mm", border=QUIET_ZONE_MODULES, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE_MODULES, dark="#000", light="#fff")
    return buffer.getvalue()


def _qr_image(url: str, box_px: int) -> Image.Image:
    qr = _qr(url)
    modules = qr.symbol_size(scale=1, border=QUIET_ZONE_MODULES)[0]
    # A whole number of pixels per module keeps every edge sharp when printed.
    scale = max(1, box_px // modules)
    return Image.open(BytesIO(qr_png(url, scale=scale))).convert("RGB")


# --- Wallet card -------------------------------------------------------------------------------------------


@functools.cache
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILES[bold]), size=size)


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _split_word(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Cuts a word wider than the column (a long double-barrelled name) into pieces that fit."""
    pieces = [""]
    for char in word:
        if pieces[-1] and font.getlength(pieces[-1] + char) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.extend(_split_word(word, font, width))
    return lines


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    while line and font.getlength(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"


def _fit(
    text: str, *, width: int, height: int, layouts: Sequence[tuple[int, int]], bold: bool = False
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The first (font size, most lines) layout in which the text fits the box; the last one, cut short, if none."""
    for size, max_lines in layouts:
        font = _font(size, bold=bold)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines and len(lines) * _line_height(font) <= height:
            return font, lines
    size, max_lines = layouts[-1]
    font = _font(size, bold=bold)
    lines = _wrap(text, font, width)[: max(1, min(max_lines, height // _line_height(font)))]
    lines[-1] = _ellipsize(lines[-1], font, width)
    return font, lines


def _draw_lines(draw: ImageDraw.ImageDraw, position: tuple[int, int], font, lines: list[str], fill: str) -> int:
    """Draws the lines from the top-left position and returns the y just below them."""
    x, y = position
    for line in lines:
        draw.text((x, y), line, font=font, fill=fill, anchor="la")
        y += _line_height(font)
    return y


def _heart(size: int) -> Image.Image:
    """A red heart on a transparent square, drawn four times larger then reduced so its curves are smooth."""
    big = size * 4
    unit = big / 34
    points = []
    # The classic parametric heart: x in [-16, 16], y in [-17, 12] once flipped for image coordinates.
    for step in range(120):
        t = 2 * math.pi * step / 120
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((big / 2 + x * unit, big / 2 - (y + 2.5) * unit))
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    ImageDraw.Draw(layer).polygon(points, fill=HEART_COLOR)
    return layer.resize((size, size), Image.Resampling.LANCZOS)


def _draw_header(card: Image.Image, title: str, right_limit: int) -> int:
    """Draws the heart and the title at the top left and returns the y just below them."""
    heart_size = 56
    top = CARD_MARGIN_PX
    heart = _heart(heart_size)
    card.paste(heart, (CARD_MARGIN_PX, top), heart)
    text_left = CARD_MARGIN_PX + heart_size + 18
    layouts = [(size, 1) for size in range(40, 23, -2)]
    font, lines = _fit(title, width=right_limit - text_left, height=heart_size, layouts=layouts, bold=True)
    ImageDraw.Draw(card).text((text_left, top + heart_size // 2), lines[0], font=font, fill=TEXT_COLOR, anchor="lm")
    return top + heart_size


def wallet_card_png(*, name: str, url: str, instructions: str, title: str = "ReLyfe Heart-Code") -> bytes:
    width, height = CARD_SIZE_PX
    card = Image.new("RGB", CARD_SIZE_PX, "white")
    draw = ImageDraw.Draw(card)

    qr = _qr_image(url, CARD_QR_BOX_PX)
    qr_left = width - CARD_QR_RIGHT_PX - qr.width
    card.paste(qr, (qr_left, (height - qr.height) // 2))
    # The quiet zone already separates the code from the text.
    text_width = qr_left - CARD_MARGIN_PX

    y = _draw_header(card, title, right_limit=qr_left) + 40
    # A name reads best on one line; only a long one drops to two, in a smaller size.
    name_layouts = [(size, 1) for size in range(72, 47, -4)] + [(size, 2) for size in range(56, 31, -4)]
    font, lines = _fit(name, width=text_width, height=180, layouts=name_layouts, bold=True)
    y = _draw_lines(draw, (CARD_MARGIN_PX, y), font, lines, TEXT_COLOR) + 24

    instruction_layouts = [(size, 4) for size in range(34, 21, -2)]
    bottom_room = height - CARD_MARGIN_PX // 2 - y
    font, lines = _fit(instructions, width=text_width, height=bottom_room, layouts=instruction_layouts)
    _draw_lines(draw, (CARD_MARGIN_PX, y), font, lines, TEXT_COLOR)

    buffer = BytesIO()
    card.save(buffer, format="PNG", dpi=(CARD_DPI, CARD_DPI))
    return buffer.getvalue()


def wallet_card_pdf(*, name: str, url: str, instructions: str, title: str = "ReLyfe Heart-Code") -> bytes:
    """An A4 page with the card at its real size and a dashed line to cut along."""
    png = wallet_card_png(name=name, url=url, instructions=instructions, title=title)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_title(title)
    pdf.add_page()
    x, y = PDF_CARD_POSITION_MM
    card_width, card_height = CARD_SIZE_MM
    pdf.image(BytesIO(png), x=x, y=y, w=card_width, h=card_height)
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.rect(x, y, card_width, card_height)
    return bytes(pdf.output())


# --- Reading a photo ---------------------------------------------------------------------------------------


def _open_image(content: bytes) -> Image.Image:
    """Opens the photo, reading only its header, and refuses what is not an image or is too large to decode."""
    try:
        image = Image.open(BytesIO(content), formats=DECODE_FORMATS)
    except Image.DecompressionBombError as error:
        raise QRDecodeError(_("This photo is too large. Please send a smaller one.")) from error
    except OSError as error:
        raise QRDecodeError(_("This file is not a photo. Please send a JPEG, PNG or WebP image.")) from error
    max_pixels = getattr(settings, "UPLOAD_MAX_PIXELS", 40_000_000)
    if image.width * image.height > max_pixels:
        raise QRDecodeError(_("This photo is too large. Please send a smaller one."))
    return image


def _prepare(image: Image.Image) -> Image.Image:
    """A grey, upright, at most DECODE_MAX_SIDE_PX image; a JPEG is decoded directly at the reduced size."""
    try:
        image.thumbnail((DECODE_MAX_SIDE_PX, DECODE_MAX_SIDE_PX))
        image = ImageOps.exif_transpose(image)
        return image.convert("L")
    except (OSError, SyntaxError, ValueError) as error:
        raise QRDecodeError(_("This file is not a photo. Please send a JPEG, PNG or WebP image.")) from error


def decode_qr(content: bytes) -> list[str]:
    """The texts of every QR code in the photo, in reading order, each once."""
    image = _prepare(_open_image(content))
    barcodes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = list(dict.fromkeys(barcode.text for barcode in barcodes if barcode.text))
    if not texts:
        raise QRDecodeError(
            _("No code was found in this photo. Take it again closer to the code, in good light, without glare.")
        )
    return texts

"""The picture of a saved comparison: two photos side by side at the same height, each dated underneath."""

import io

from PIL import Image, ImageDraw, ImageFont, ImageOps

MAX_HEIGHT = 1600
GAP = 24
BACKGROUND = (255, 255, 255)
TEXT_COLOR = (30, 30, 30)


def _upright(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    # A phone stores a turned photo as it was shot, with an EXIF tag saying how to turn it back.
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def _at_height(image: Image.Image, height: int) -> Image.Image:
    # The width follows the height: the photo keeps its proportions.
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _labelled(image: Image.Image, label: str, font, band_height: int) -> Image.Image:
    framed = Image.new("RGB", (image.width, image.height + band_height), BACKGROUND)
    framed.paste(image, (0, 0))
    draw = ImageDraw.Draw(framed)
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    x = max(0, (image.width - (right - left)) // 2 - left)
    y = image.height + (band_height - (bottom - top)) // 2 - top
    draw.text((x, y), label, fill=TEXT_COLOR, font=font)
    return framed


def side_by_side(left_image: bytes, right_image: bytes, left_label: str, right_label: str) -> bytes:
    """A JPEG of the two photos next to each other, scaled to the smaller height (at most MAX_HEIGHT),
    with a white band under each carrying its label (the photo's date)."""
    left, right = _upright(left_image), _upright(right_image)
    height = min(left.height, right.height, MAX_HEIGHT)
    left, right = _at_height(left, height), _at_height(right, height)
    font_size = max(14, height // 20)
    font = ImageFont.load_default(size=font_size)
    band_height = font_size * 2
    left = _labelled(left, left_label, font, band_height)
    right = _labelled(right, right_label, font, band_height)
    composite = Image.new("RGB", (left.width + GAP + right.width, left.height), BACKGROUND)
    composite.paste(left, (0, 0))
    composite.paste(right, (left.width + GAP, 0))
    buffer = io.BytesIO()
    composite.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()

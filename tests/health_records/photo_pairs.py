"""Pairs of photos for the comparison's tests, made with Pillow: a marked photo and a moved copy of it."""

import cmath
import io
import math

from PIL import Image, ImageDraw

# A photo 800x600 with two landmarks (green, blue) and a feature (yellow), and its copy in a portrait 600x800
# picture: 0.7 times smaller, turned by 12 degrees, moved by (80, 200).
LANDMARKS = [(250, 200), (560, 420)]
FEATURE = (520, 180)
COPY_SCALE, COPY_TURN, COPY_SHIFT = 0.7, math.radians(12), complex(80, 200)


def in_copy(point) -> tuple[float, float]:
    moved = COPY_SCALE * cmath.exp(1j * COPY_TURN) * complex(*point) + COPY_SHIFT
    return moved.real, moved.imag


def is_yellow(colour) -> bool:
    return colour[0] > 170 and colour[1] > 170 and colour[2] < 90


def marked_photo_and_moved_copy():
    original = Image.new("RGB", (800, 600), (150, 120, 100))
    draw = ImageDraw.Draw(original)
    for (x, y), colour in zip((*LANDMARKS, FEATURE), ((30, 180, 30), (30, 30, 200), (240, 220, 20)), strict=True):
        draw.ellipse((x - 14, y - 14, x + 14, y + 14), fill=colour)
    # Pillow asks, for each pixel of the copy, where it comes from in the original: the inverse map.
    inverse = cmath.exp(-1j * COPY_TURN) / COPY_SCALE
    shift = -inverse * COPY_SHIFT
    copy = original.transform(
        (600, 800),
        Image.Transform.AFFINE,
        (inverse.real, -inverse.imag, shift.real, inverse.imag, inverse.real, shift.imag),
        resample=Image.Resampling.BICUBIC,
        fillcolor=(90, 90, 90),
    )
    alignment = {"left": [list(point) for point in LANDMARKS], "right": [list(in_copy(point)) for point in LANDMARKS]}
    return original, copy, alignment


def jpeg_of(image: Image.Image, exif_orientation: int | None = None) -> bytes:
    """`image` as a JPEG; with `exif_orientation`, tagged as a phone tags a photo it stored turned."""
    buffer = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    else:
        image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()

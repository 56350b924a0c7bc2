"""The geometry of a comparison and the picture of a saved one.

Both photos sit in one common frame, each scaled so that its longer side has the same length (a portrait
and a landscape photo of the same camera then show the knee at the same size), centred: the frame is the
smallest box that holds both. Optionally, two landmarks on each photo (two marks on the skin) give the
similarity (scale, rotation, shift) that carries the second photo's points onto the first's. The page
(static/js/compare.js) and the saved picture use the same rules, so what is saved is what was seen.

Coordinates: a photo's points are in its own upright pixels; the frame's are in "long sides" (a photo's
longer side is 1), its origin at the top left corner. A similarity is kept as two complex numbers (a, b):
z -> a * z + b, with z = x + iy.
"""

import io
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

MAX_HEIGHT = 1600
GAP = 24
BACKGROUND = (255, 255, 255)
# The frame's empty parts, as dark as on the page.
LETTERBOX = (17, 17, 17)
TEXT_COLOR = (30, 30, 30)
# Two landmarks closer than this share of the photo's longer side give a rotation and a scale that one
# pixel off would change a lot: they are refused.
MIN_LANDMARK_DISTANCE = 0.02
# A registration that shrinks or grows the second photo more than this is a mistake, not a knee.
MAX_SCALE = 10


@dataclass(frozen=True)
class Frame:
    """The common frame of two photos, in long sides."""

    width: float
    height: float

    @classmethod
    def of(cls, *sizes: tuple[int, int]) -> "Frame":
        return cls(
            width=max(width / max(width, height) for width, height in sizes),
            height=max(height / max(width, height) for width, height in sizes),
        )

    def offset(self, size: tuple[int, int]) -> complex:
        """Where the top left corner of a photo of `size` sits in the frame: centred."""
        width, height = size
        longer = max(width, height)
        return complex((self.width - width / longer) / 2, (self.height - height / longer) / 2)

    def point(self, size: tuple[int, int], point) -> complex:
        """A point of a photo of `size` (in its pixels) in the frame."""
        return self.offset(size) + complex(point[0], point[1]) / max(size)


IDENTITY = (complex(1, 0), complex(0, 0))


def _landmark_errors(points, size: tuple[int, int]) -> list[str]:
    if not isinstance(points, list | tuple) or len(points) != 2:
        return [_("Place exactly two points on each photo.")]
    for point in points:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(value, int | float) and not isinstance(value, bool) for value in point)
            or not all(math.isfinite(value) for value in point)
        ):
            return [_("Each point is a pair of numbers: its x and y in the photo's pixels.")]
        if not (0 <= point[0] <= size[0] and 0 <= point[1] <= size[1]):
            return [_("Each point must be on its photo.")]
    (x1, y1), (x2, y2) = points
    if math.hypot(x2 - x1, y2 - y1) < MIN_LANDMARK_DISTANCE * max(size):
        return [_("The two points on a photo must be distinct, a little apart from each other.")]
    return []


def similarity(alignment: dict | None, left_size: tuple[int, int], right_size: tuple[int, int]):
    """(a, b): the similarity of the frame that carries the right photo's landmarks onto the left's; the
    identity without landmarks. Raises ValidationError({"alignment": ...}) for landmarks it cannot use."""
    if not alignment:
        return IDENTITY
    if not isinstance(alignment, dict) or set(alignment) != {"left", "right"}:
        raise ValidationError(
            {"alignment": _("The alignment gives two points on the left photo and two on the right one.")},
            code="invalid_alignment",
        )
    errors = _landmark_errors(alignment["left"], left_size) or _landmark_errors(alignment["right"], right_size)
    if errors:
        raise ValidationError({"alignment": errors}, code="invalid_alignment")
    frame = Frame.of(left_size, right_size)
    left_1, left_2 = (frame.point(left_size, point) for point in alignment["left"])
    right_1, right_2 = (frame.point(right_size, point) for point in alignment["right"])
    a = (left_2 - left_1) / (right_2 - right_1)
    if not 1 / MAX_SCALE <= abs(a) <= MAX_SCALE:
        raise ValidationError(
            {"alignment": _("These points would make one photo more than ten times larger than the other.")},
            code="invalid_alignment",
        )
    return a, left_1 - a * right_1


def _upright(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    # A phone stores a turned photo as it was shot, with an EXIF tag saying how to turn it back.
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def _panel(image: Image.Image, frame: Frame, scale: float, transform=IDENTITY) -> Image.Image:
    """The frame at `scale` pixels per long side, `image` in it (centred, moved by `transform`)."""
    size = (round(frame.width * scale), round(frame.height * scale))
    longer = max(image.size)
    shown = image.resize(
        (max(1, round(image.width * scale / longer)), max(1, round(image.height * scale / longer))),
        Image.Resampling.LANCZOS,
    )
    a, b = transform
    offset = frame.offset(image.size) * scale
    # Pillow asks where each output pixel comes from: the inverse of z -> a * (offset + p) + b * scale.
    inverse = 1 / a
    shift = -(b * scale) / a - offset
    return shown.transform(
        size,
        Image.Transform.AFFINE,
        (inverse.real, -inverse.imag, shift.real, inverse.imag, inverse.real, shift.imag),
        resample=Image.Resampling.BICUBIC,
        fillcolor=LETTERBOX,
    )


def _labelled(image: Image.Image, label: str, font, band_height: int) -> Image.Image:
    framed = Image.new("RGB", (image.width, image.height + band_height), BACKGROUND)
    framed.paste(image, (0, 0))
    draw = ImageDraw.Draw(framed)
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    x = max(0, (image.width - (right - left)) // 2 - left)
    y = image.height + (band_height - (bottom - top)) // 2 - top
    draw.text((x, y), label, fill=TEXT_COLOR, font=font)
    return framed


def panel_scale(frame: Frame, left: tuple[int, int], right: tuple[int, int]) -> float:
    """Pixels per long side in the saved picture: no photo enlarged, at most MAX_HEIGHT high."""
    return min(max(left), max(right), MAX_HEIGHT / frame.height)


def side_by_side(
    left_image: bytes, right_image: bytes, left_label: str, right_label: str, alignment: dict | None = None
) -> bytes:
    """A JPEG of the two photos next to each other, each in the same frame as on the comparison page (the
    same scale, centred, the right one registered on the left one by `alignment`'s landmarks), with a white
    band under each carrying its label (the photo's date)."""
    left, right = _upright(left_image), _upright(right_image)
    transform = similarity(alignment, left.size, right.size)
    frame = Frame.of(left.size, right.size)
    scale = panel_scale(frame, left.size, right.size)
    left_panel, right_panel = _panel(left, frame, scale), _panel(right, frame, scale, transform)
    font_size = max(14, left_panel.height // 20)
    font = ImageFont.load_default(size=font_size)
    band_height = font_size * 2
    left_panel = _labelled(left_panel, left_label, font, band_height)
    right_panel = _labelled(right_panel, right_label, font, band_height)
    composite = Image.new("RGB", (left_panel.width + GAP + right_panel.width, left_panel.height), BACKGROUND)
    composite.paste(left_panel, (0, 0))
    composite.paste(right_panel, (left_panel.width + GAP, 0))
    buffer = io.BytesIO()
    composite.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()

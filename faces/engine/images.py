"""Photos as both face engines take them (checked, decoded, upright, RGB, reduced), and which face of a
photo is the one to use."""

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from documents.uploads import without_transparency
from faces.engine.base import FaceProblem

pillow_heif.register_heif_opener()

PILLOW_FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 12-megapixel phone photo is far below; past this, decoding alone would take seconds and much memory.
MAX_PIXELS = 40_000_000
# dlib's recognition network sees each face as a 150 x 150 chip in which the face proper is about 100 px
# wide. Below 60 px the chip is blown up from so little detail that two people's embeddings come close,
# and Rekognition itself reads no face under 40 px in a 1920 px picture. A phone photo taken at arm's
# length has a face of several hundred pixels, so 60 only turns away faces far in the background.
DEFAULT_MIN_FACE_PIXELS = 60
# A second face at least half as large (in area) as the largest may be the person meant as well: rather
# than guess, the user is asked for a photo of one person. Smaller faces are people behind.
SIMILAR_FACE_AREA_RATIO = 0.5


@dataclass(frozen=True)
class Photo:
    image: Image.Image  # upright, RGB, longest side no more than the engine asked for
    original_side: int  # the longest side of the photo as sent, in pixels

    @property
    def scale(self) -> float:
        """How many pixels of the photo as sent one pixel of `image` stands for."""
        return self.original_side / max(self.image.size)


@dataclass(frozen=True)
class FaceBox:
    """Where a face is, in the pixels of the image it was found in."""

    left: float
    top: float
    width: float
    height: float

    @property
    def area(self) -> float:
        return self.width * self.height


def interpolated(message, **params):
    """message % params, translated when it is shown rather than now."""
    return lazy(lambda: message % params, str)()


def max_upload_bytes() -> int:
    return getattr(settings, "FACES_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def min_face_pixels() -> int:
    return getattr(settings, "FACES_MIN_FACE_PIXELS", DEFAULT_MIN_FACE_PIXELS)


def too_large() -> FaceProblem:
    return FaceProblem(
        FaceProblem.TOO_LARGE,
        interpolated(
            _("This photo is larger than %(limit)s MB. Please send a smaller photo."),
            limit=_megabytes(max_upload_bytes()),
        ),
    )


def read_upload(uploaded) -> bytes:
    """An uploaded photo's bytes; one over the limit is refused before it is read into memory (the
    multipart parser keeps large files on disk)."""
    if uploaded.size > max_upload_bytes():
        raise too_large()
    return uploaded.read()


def open_photo(content: bytes, *, max_side: int) -> Photo:
    """The photo upright in RGB, its longest side reduced to max_side; FaceProblem when it cannot be used."""
    if len(content) > max_upload_bytes():
        raise too_large()
    # Pillow only warns about a decompression bomb between its own limit and twice that: the warning is
    # made an error here, and the stricter limit is checked on the header's size, before decoding.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=PILLOW_FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise _too_many_pixels()
            original_side = max(image.size)
            # A JPEG decodes at 1/2, 1/4 or 1/8 of its size several times faster than whole: no smaller
            # than asked. Other formats ignore the draft.
            image.draft(None, _at_least(image.size, max_side))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise not_an_image() from error
    image = image if image.mode == "RGB" else without_transparency(image)
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return Photo(image=image, original_side=original_side)


def chosen_face(boxes: Sequence[FaceBox], *, scale: float) -> FaceBox:
    """The largest face, when it is clearly the one the photo is of and large enough to be recognised.
    scale is how many pixels of the photo as sent one pixel of the boxes stands for."""
    if not boxes:
        raise no_face()
    largest = max(boxes, key=lambda box: box.area)
    if any(box is not largest and box.area >= SIMILAR_FACE_AREA_RATIO * largest.area for box in boxes):
        raise FaceProblem(
            FaceProblem.SEVERAL_FACES,
            _(
                "Several faces of similar size are in this photo. Please take a photo of one person only, "
                "with nobody else close to them."
            ),
        )
    # The narrower side: Rekognition's boxes are taller than wide, dlib's are square.
    if min(largest.width, largest.height) * scale < min_face_pixels():
        raise face_too_small()
    return largest


def face_too_small() -> FaceProblem:
    return FaceProblem(
        FaceProblem.FACE_TOO_SMALL,
        _(
            "The face is too small in this photo to be recognised. Please come closer, so that the "
            "face fills a good part of the picture, and take the photo again."
        ),
    )


def no_face() -> FaceProblem:
    return FaceProblem(
        FaceProblem.NO_FACE,
        _(
            "No face was found in this photo. Please take the photo again facing the person, with their face "
            "well lit, uncovered and filling a good part of the picture."
        ),
    )


def not_an_image() -> FaceProblem:
    return FaceProblem(
        FaceProblem.NOT_AN_IMAGE,
        _(
            "This file could not be read as a photo: it is not an image, or it is damaged. "
            "Please send a JPEG, PNG, WebP or HEIC photo."
        ),
    )


def _too_many_pixels() -> FaceProblem:
    return FaceProblem(
        FaceProblem.TOO_LARGE,
        interpolated(
            _("This photo has more than %(limit)s megapixels. Please send a smaller photo."),
            limit=number_format(MAX_PIXELS // 1_000_000),
        ),
    )


def _megabytes(size: int) -> str:
    """10 MiB -> "10", 2.5 MiB -> "2.5" (or "2,5" in French)."""
    value = float(f"{size / (1024 * 1024):.3g}")
    return number_format(int(value) if value.is_integer() else value)


def _at_least(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The smallest size of the same shape whose longest side is still `side`."""
    width, height = size
    ratio = min(side / max(width, height), 1.0)
    return max(1, round(width * ratio)), max(1, round(height * ratio))

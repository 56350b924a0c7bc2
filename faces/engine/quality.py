"""Quality gates at enrolment: a face template is only as good as the photo it was made from, and a blurred,
dark, overexposed, small or turned face gives an embedding that lies between people. The photo is refused
with what to do instead. Both engines use the same limits for the pose (degrees) and the same messages; the
local engine measures sharpness and brightness on the face as its network sees it (dlib's 150 x 150 aligned
chip), Rekognition reports its own (faces/engine/rekognition.py). The face size gate is FACES_MIN_FACE_PIXELS
(faces/engine/images.py).

Calibrated with the local engine on the 13 single-face photos of tests/data/faces (all pass) and on versions
of each made worse (refused): a Gaussian blur of 2 % of the face's width, brightness x 0.3 and x 2.5,
turned by 30 degrees in the picture's plane (12 of 13: biden_1.jpg, tilted 13 degrees the other way to start
with, ends at 16.5 and passes). bench/faces.py prints these counts again.
    sharpness (100 x variance of the Laplacian / variance of the grey levels, on the chip: independent of
        the face's size and of the contrast): good photos 1.03 (alex_lacamoire_1.png, a soft video still)
        then 3.5 to 40; blurred by 2 % of the face's width 0.05 to 0.37 (by 1 %, barely visible: 0.15 to
        0.85, partly let through).
    brightness (mean luminance of the chip, 0-100): good 39.5 to 61.9, x 0.3 at most 18.3, x 2.5 at least
        76.9 (x 2 at least 72.6).
    yaw (from the nose tip between the two sides of the face's outline): good -33.8 to 23.4 degrees (the most
        turned is kit_harington_2.jpeg, about a three-quarter view); roll (the line of the eyes): good -6.3 to
        12.9 degrees, turned by 30 degrees -21 to -34.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from faces.engine.base import FaceProblem

MIN_SHARPNESS = 0.6
MIN_BRIGHTNESS = 25.0
MAX_BRIGHTNESS = 72.0
MAX_YAW = 45.0
MAX_ROLL = 20.0
# Rekognition gives the pitch (head up or down) too; 2D landmarks do not tell it reliably.
MAX_PITCH = 30.0
# Luminance weights of ITU-R BT.601, as Pillow's "L" conversion.
LUMINANCE = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Quality:
    sharpness: float
    brightness: float  # 0-100
    face_px: float  # the face's narrower side, in pixels of the photo as sent
    yaw: float  # degrees, 0 facing the camera
    roll: float  # degrees, 0 with the eyes level
    pitch: float | None = None  # degrees, when the engine tells it

    def as_dict(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in asdict(self).items() if value is not None}


def chip_sharpness_and_brightness(chip: np.ndarray) -> tuple[float, float]:
    """Sharpness and brightness (0-100) of a face chip (height x width x RGB, 0-255)."""
    grey = np.asarray(chip, dtype=np.float32)[..., :3] @ LUMINANCE
    laplacian = grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4.0 * grey[1:-1, 1:-1]
    # Divided by the contrast: a dark face has weak edges without being blurred.
    sharpness = 100.0 * float(laplacian.var()) / max(float(grey.var()), 1.0)
    return sharpness, float(grey.mean()) / 2.55


def pose(points: np.ndarray) -> tuple[float, float]:
    """(yaw, roll) in degrees from dlib's 68 landmarks (or its 5: the eyes' corners and the nose)."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 68:
        # The subject's right eye is on the left of the picture.
        first_eye, second_eye, nose = points[36:42].mean(axis=0), points[42:48].mean(axis=0), points[30]
        first_side, second_side = points[0], points[16]
    elif len(points) == 5:
        first_eye, second_eye, nose = points[2:4].mean(axis=0), points[0:2].mean(axis=0), points[4]
        first_side, second_side = first_eye, second_eye
    else:
        raise ValueError(f"Landmarks are 68 or 5 points, not {len(points)}.")
    eye_line = second_eye - first_eye
    roll = math.degrees(math.atan2(eye_line[1], eye_line[0]))
    axis = eye_line / max(float(np.linalg.norm(eye_line)), 1e-6)
    # How far the nose tip is from the middle of the face, along the eye line, as a fraction of half its
    # width: 0 facing the camera, towards 1 in profile.
    middle = (first_side + second_side) / 2
    half_width = max(abs(float((second_side - first_side) @ axis)) / 2, 1e-6)
    offset = float((nose - middle) @ axis) / half_width
    return math.degrees(math.asin(min(1.0, max(-1.0, offset)))), roll


def check(quality: Quality, *, min_sharpness: float = MIN_SHARPNESS, brightness_range=None) -> None:
    """FaceProblem when the face is too dark, overexposed, blurred or turned (in that order: a dark face
    looks blurred too)."""
    lowest, highest = brightness_range or (MIN_BRIGHTNESS, MAX_BRIGHTNESS)
    if quality.brightness < lowest:
        raise too_dark()
    if quality.brightness > highest:
        raise overexposed()
    if quality.sharpness < min_sharpness:
        raise blurred()
    if abs(quality.yaw) > MAX_YAW or abs(quality.roll) > MAX_ROLL:
        raise turned()
    if quality.pitch is not None and abs(quality.pitch) > MAX_PITCH:
        raise turned()


def blurred() -> FaceProblem:
    return FaceProblem(
        FaceProblem.BLURRED,
        _(
            "The face is blurred in this photo. Please hold the phone still, let it focus on the face (tap the "
            "face on the screen) and take the photo again."
        ),
    )


def too_dark() -> FaceProblem:
    return FaceProblem(
        FaceProblem.TOO_DARK,
        _(
            "The face is too dark in this photo. Please take the photo again in better light, with the light in "
            "front of the person rather than behind them."
        ),
    )


def overexposed() -> FaceProblem:
    return FaceProblem(
        FaceProblem.OVEREXPOSED,
        _(
            "The face is too bright in this photo: its details are lost. Please take the photo again out of "
            "direct sunlight and without the flash, in even light."
        ),
    )


def turned() -> FaceProblem:
    return FaceProblem(
        FaceProblem.TURNED,
        _(
            "The face is turned or tilted in this photo. Please take the photo again with the person looking "
            "straight at the camera, head upright."
        ),
    )

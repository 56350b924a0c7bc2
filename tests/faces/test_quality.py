"""The quality gates at enrolment, with the local engine's real models on the photos of tests/data/faces and
versions of them made worse with Pillow."""

import io

import numpy as np
import pytest
from django.utils import translation
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from faces.engine.base import FaceProblem
from faces.engine.local import LocalFaceEngine
from faces.engine.quality import MAX_ROLL, MAX_YAW, Quality, check, pose
from tests.files import TEST_DATA

FACES = TEST_DATA / "faces"
SINGLE_FACES = sorted(
    path.name
    for path in FACES.iterdir()
    if path.suffix in {".jpg", ".jpeg", ".png"} and not path.name.startswith("group_")
)


@pytest.fixture(scope="module")
def engine():
    return LocalFaceEngine()


def upright(name: str) -> Image.Image:
    return ImageOps.exif_transpose(Image.open(FACES / name)).convert("RGB")


def jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=92)
    return output.getvalue()


def refusal(engine: LocalFaceEngine, content: bytes) -> tuple[str, str, str]:
    """The code of the problem and its message in English and in French."""
    with pytest.raises(FaceProblem) as caught:
        engine.enrol(content, external_id="patient")
    with translation.override("en"):
        english = str(caught.value.message)
    with translation.override("fr"):
        french = str(caught.value.message)
    return caught.value.code, english, french


@pytest.mark.parametrize("name", SINGLE_FACES)
def test_every_good_photo_is_enrolled_with_what_the_gates_measured(engine, name):
    enrolled = engine.enrol((FACES / name).read_bytes(), external_id="patient")

    assert set(enrolled.quality) == {"sharpness", "brightness", "face_px", "yaw", "roll"}
    assert enrolled.quality["sharpness"] > 1
    assert 35 < enrolled.quality["brightness"] < 65
    assert enrolled.quality["face_px"] >= 100
    assert abs(enrolled.quality["yaw"]) < MAX_YAW and abs(enrolled.quality["roll"]) < MAX_ROLL


def test_the_measures_are_numbers_kept_with_the_template(engine):
    enrolled = engine.enrol((FACES / "obama_1.jpg").read_bytes(), external_id="patient")

    # A frontal, sharp, well lit face of about 256 px in a 910 x 1137 photo.
    assert enrolled.quality["face_px"] == pytest.approx(256, abs=10)
    assert abs(enrolled.quality["yaw"]) < 10 and abs(enrolled.quality["roll"]) < 5
    assert all(isinstance(value, float) for value in enrolled.quality.values())


@pytest.mark.parametrize("name", ["obama_1.jpg", "rose_leslie_2.jpg", "lin_manuel_miranda_1.png"])
def test_a_blurred_photo_is_refused_and_told_how_to_take_a_better_one(engine, name):
    # A Gaussian blur of 2 % of the face's width: the eyelashes and the skin's texture are gone.
    face_width = engine.measure((FACES / name).read_bytes()).face_px
    blurred = upright(name).filter(ImageFilter.GaussianBlur(face_width / 50))

    code, english, french = refusal(engine, jpeg(blurred))

    assert code == FaceProblem.BLURRED == "blurred"
    assert english.startswith("The face is blurred in this photo.")
    assert "hold the phone still" in english
    assert (french and "blurred" not in french) or french == english  # translated at integration


def test_a_dark_photo_is_refused(engine):
    code, english, _ = refusal(engine, jpeg(ImageEnhance.Brightness(upright("obama_1.jpg")).enhance(0.3)))

    assert code == FaceProblem.TOO_DARK == "too_dark"
    assert "too dark" in english and "better light" in english


def test_an_overexposed_photo_is_refused(engine):
    code, english, _ = refusal(engine, jpeg(ImageEnhance.Brightness(upright("rose_leslie_1.jpg")).enhance(2.5)))

    assert code == FaceProblem.OVEREXPOSED == "overexposed"
    assert "too bright" in english and "without the flash" in english


@pytest.mark.parametrize("name", ["rose_leslie_2.jpg", "kit_harington_1.jpeg"])
def test_a_tilted_face_is_refused(engine, name):
    tilted = upright(name).rotate(30, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=(128, 128, 128))

    code, english, _ = refusal(engine, jpeg(tilted))

    assert code == FaceProblem.TURNED == "turned"
    assert "looking straight at the camera" in english


def test_a_face_too_small_is_refused(engine):
    portrait = upright("obama_1.jpg")
    tiny = portrait.resize((150, round(portrait.height * 150 / portrait.width)))

    code, english, _ = refusal(engine, jpeg(tiny))

    assert code == FaceProblem.FACE_TOO_SMALL
    assert "come closer" in english


def test_the_same_photo_made_worse_is_refused_but_searching_with_it_still_works(engine):
    # The gates are for enrolment: a search with a poor photo is still a search (and finds less).
    dark = jpeg(ImageEnhance.Brightness(upright("obama_1.jpg")).enhance(0.3))

    assert engine.measure(dark).brightness < 25
    assert engine.embed(dark).shape == (128,)


def landmarks_of(engine: LocalFaceEngine, name: str) -> np.ndarray:
    import dlib

    from faces.engine.local import _models

    image = np.asarray(upright(name))
    rectangle = _models().detector(image, 0)[0]
    shape = _models().predictor(
        image, dlib.rectangle(rectangle.left(), rectangle.top(), rectangle.right(), rectangle.bottom())
    )
    return np.array([(shape.part(index).x, shape.part(index).y) for index in range(68)], dtype=float)


def test_the_pose_comes_from_the_landmarks(engine):
    points = landmarks_of(engine, "obama_1.jpg")
    yaw, roll = pose(points)
    assert abs(yaw) < 10 and abs(roll) < 5

    # The nose tip moved most of the way to one side of the face: the head is turned.
    turned = points.copy()
    turned[30] = points[0] + 0.1 * (points[16] - points[0])
    assert pose(turned)[0] < -MAX_YAW
    turned[30] = points[0] + 0.9 * (points[16] - points[0])
    assert pose(turned)[0] > MAX_YAW

    # Every point turned by 30 degrees about the face's centre: the eye line is 30 degrees off.
    angle = np.radians(30)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = points.mean(axis=0)
    tilted_yaw, tilted_roll = pose((points - centre) @ rotation.T + centre)
    assert tilted_roll == pytest.approx(roll + 30, abs=0.5)
    assert tilted_yaw == pytest.approx(yaw, abs=0.5)


def test_the_pose_reads_five_landmarks_too():
    # dlib's 5-point model: the corners of the subject's left eye, of the right eye, then under the nose.
    level = np.array([(140, 100), (120, 100), (60, 100), (80, 100), (100, 130)], dtype=float)
    assert pose(level) == pytest.approx((0.0, 0.0), abs=0.01)
    turned = level.copy()
    turned[4] = (68, 130)
    assert pose(turned)[0] < -MAX_YAW


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"brightness": 10.0}, FaceProblem.TOO_DARK),
        ({"brightness": 90.0}, FaceProblem.OVEREXPOSED),
        ({"sharpness": 0.5}, FaceProblem.BLURRED),
        ({"yaw": -50.0}, FaceProblem.TURNED),
        ({"roll": 25.0}, FaceProblem.TURNED),
        ({"pitch": 40.0}, FaceProblem.TURNED),
        # A dark face has weak edges: it is said to be dark, what the person can fix.
        ({"brightness": 10.0, "sharpness": 0.5}, FaceProblem.TOO_DARK),
    ],
)
def test_each_gate_gives_its_own_code(changes, code):
    good = {"sharpness": 10.0, "brightness": 50.0, "face_px": 300.0, "yaw": 5.0, "roll": 2.0, "pitch": 3.0}
    check(Quality(**good))

    with pytest.raises(FaceProblem) as caught:
        check(Quality(**{**good, **changes}))

    assert caught.value.code == code

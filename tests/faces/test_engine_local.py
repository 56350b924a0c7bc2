"""The local engine with dlib's real models, on the photos of public figures in tests/data/faces."""

import io

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from PIL import Image, ImageDraw, ImageOps

from faces.bands import band_of
from faces.engine import get_engine
from faces.engine.base import EnrolledFace, FaceProblem
from faces.engine.local import (
    EMBEDDING_SIZE,
    LocalFaceEngine,
    best_candidates,
    embedding_bytes,
    embedding_from_bytes,
    similarity,
)
from faces.models import MatchBand
from tests.files import TEST_DATA

FACES = TEST_DATA / "faces"
# The default thresholds (relyfe/settings.py): a possible match from 90 (distance 0.50), a strong one from 99 (0.40).
THRESHOLD = 90.0
STRONG_THRESHOLD = 99.0
# Each person's photo that is enrolled, and another that must find them. alex_lacamoire's two photos are
# 0.515 apart, the one false non-match of the calibration: see test_the_farthest_pair_of_one_person_is_missed.
PEOPLE = {
    "obama": ("obama_1.jpg", "obama_3.jpg"),
    "biden": ("biden_1.jpg", "biden_2.jpg"),
    "kit_harington": ("kit_harington_1.jpeg", "kit_harington_2.jpeg"),
    "rose_leslie": ("rose_leslie_1.jpg", "rose_leslie_2.jpg"),
}


class MemoryGallery:
    """The gallery protocol over faces enrolled in memory (the application's is over the database)."""

    def __init__(self):
        self.external_ids: list[str] = []
        self.face_ids: list[str] = []
        self.rows: list[np.ndarray] = []

    def add(self, external_id: str, face: EnrolledFace) -> None:
        self.external_ids.append(external_id)
        self.face_ids.append(face.face_id)
        self.rows.append(embedding_from_bytes(face.embedding))

    def snapshot(self) -> tuple[list[str], list[str], np.ndarray]:
        matrix = np.vstack(self.rows) if self.rows else np.empty((0, EMBEDDING_SIZE), dtype=np.float32)
        return self.external_ids, self.face_ids, matrix


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def upright(name: str) -> Image.Image:
    return ImageOps.exif_transpose(Image.open(FACES / name)).convert("RGB")


def encoded(image: Image.Image, image_format: str = "JPEG", **options) -> bytes:
    output = io.BytesIO()
    image.save(output, format=image_format, **options)
    return output.getvalue()


def problem_of(engine: LocalFaceEngine, content: bytes) -> FaceProblem:
    with pytest.raises(FaceProblem) as caught:
        engine.enrol(content, external_id="patient")
    return caught.value


def english(problem: FaceProblem) -> str:
    with translation.override("en"):
        return str(problem.message)


@pytest.fixture(scope="module")
def engine():
    """dlib's models take two seconds to load: once for the module (they stay loaded for the process)."""
    return LocalFaceEngine()


@pytest.fixture(scope="module")
def enrolled(engine) -> MemoryGallery:
    gallery = MemoryGallery()
    for person, (enrolment_photo, _) in PEOPLE.items():
        gallery.add(person, engine.enrol(photo(enrolment_photo), external_id=person))
    return gallery


def test_two_photos_of_one_person_match_and_photos_of_two_people_do_not(engine):
    assert engine.compare(photo("obama_1.jpg"), photo("obama_2.jpg")) >= THRESHOLD
    assert engine.compare(photo("obama_1.jpg"), photo("biden_1.jpg")) < 50


def test_enrolment_gives_a_new_face_id_and_the_embedding_as_512_bytes(engine):
    first = engine.enrol(photo("kit_harington_1.jpeg"), external_id="kit")
    second = engine.enrol(photo("kit_harington_1.jpeg"), external_id="kit")

    assert len(first.face_id) == 32
    assert first.face_id != second.face_id
    assert len(first.embedding) == 512
    assert embedding_from_bytes(first.embedding).shape == (128,)
    assert first.embedding == second.embedding


@pytest.mark.parametrize("person", PEOPLE)
def test_each_enrolled_person_is_identified_from_another_photo_with_the_confidence(engine, enrolled, person):
    engine.gallery = enrolled

    candidates = engine.search(photo(PEOPLE[person][1]), threshold=THRESHOLD)

    assert [candidate.external_id for candidate in candidates] == [person]
    assert THRESHOLD <= candidates[0].similarity <= 100
    assert candidates[0].similarity == round(candidates[0].similarity, 2)
    assert candidates[0].face_id == enrolled.face_ids[list(PEOPLE).index(person)]


def test_a_stranger_matches_no_one(engine, enrolled):
    engine.gallery = enrolled

    assert engine.search(photo("lin_manuel_miranda_1.png"), threshold=THRESHOLD) == []
    # At a low threshold the nearest people show, best first: the gallery is searched, not ignored.
    nearest = engine.search(photo("lin_manuel_miranda_1.png"), threshold=0, max_results=3)
    assert len(nearest) == 3
    assert [candidate.similarity for candidate in nearest] == sorted(
        (candidate.similarity for candidate in nearest), reverse=True
    )
    assert nearest[0].similarity < THRESHOLD


@pytest.mark.parametrize("name", ["group_obama_and_biden.jpg", "group_two_people.jpg"])
def test_a_photo_of_several_people_is_refused(engine, name):
    problem = problem_of(engine, photo(name))

    assert problem.code == FaceProblem.SEVERAL_FACES
    assert "Several faces of similar size" in english(problem)
    assert "one person only" in english(problem)


def test_a_person_in_front_of_a_much_smaller_face_is_accepted(engine):
    person = upright("obama_1.jpg")
    passer_by = upright("biden_2.jpg").resize((300, 300))
    person.paste(passer_by, (0, 0))

    assert engine.compare(encoded(person), photo("obama_2.jpg")) >= THRESHOLD


def test_a_photo_without_a_face_is_refused(engine):
    landscape = Image.new("RGB", (1200, 800))
    draw = ImageDraw.Draw(landscape)
    for y in range(500):
        draw.line([(0, y), (1200, y)], fill=(90 + y // 5, 150 + y // 8, 235))
    draw.polygon(
        [(0, 800), (0, 520), (300, 380), (650, 560), (1000, 420), (1200, 500), (1200, 800)], fill=(60, 120, 50)
    )
    draw.ellipse([950, 80, 1050, 180], fill=(250, 230, 120))

    problem = problem_of(engine, encoded(landscape))

    assert problem.code == FaceProblem.NO_FACE
    assert english(problem).startswith("No face was found in this photo.")


def test_a_photo_cropped_away_from_the_face_is_refused(engine):
    # The lower half of the portrait: suit and tie, no face.
    portrait = upright("obama_1.jpg")

    problem = problem_of(engine, encoded(portrait.crop((0, portrait.height * 2 // 3, portrait.width, portrait.height))))

    assert problem.code == FaceProblem.NO_FACE


@pytest.mark.parametrize(
    "content",
    [
        b"Ordonnance du Dr Martin\nDoliprane 1000 mg\n",
        photo("obama_1.jpg")[: len(photo("obama_1.jpg")) // 2],
        b"%PDF-1.7\n" + b"\x00" * 1000,
    ],
    ids=["text", "truncated JPEG", "PDF"],
)
def test_a_file_that_is_not_a_readable_photo_is_refused(engine, content):
    problem = problem_of(engine, content)

    assert problem.code == FaceProblem.NOT_AN_IMAGE
    assert "could not be read as a photo" in english(problem)
    assert "JPEG, PNG, WebP or HEIC" in english(problem)


def test_a_face_far_too_small_is_refused(engine):
    portrait = upright("obama_1.jpg")
    tiny = portrait.resize((150, round(portrait.height * 150 / portrait.width)))

    problem = problem_of(engine, encoded(tiny))

    assert problem.code == FaceProblem.FACE_TOO_SMALL
    assert "The face is too small" in english(problem)
    assert "come closer" in english(problem)


def test_the_smallest_face_size_is_a_setting(engine, settings):
    settings.FACES_MIN_FACE_PIXELS = 400

    assert problem_of(engine, photo("obama_1.jpg")).code == FaceProblem.FACE_TOO_SMALL


def test_a_photo_turned_by_its_exif_orientation_is_read_upright(engine):
    # A phone stores the pixels as the sensor saw them, sideways, and says in EXIF how to turn them.
    sideways = upright("obama_2.jpg").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show
    tagged = encoded(sideways, exif=exif.tobytes())
    untagged = encoded(sideways)

    assert ImageOps.exif_transpose(Image.open(io.BytesIO(tagged))).size == upright("obama_2.jpg").size
    assert engine.compare(tagged, photo("obama_1.jpg")) >= THRESHOLD
    # The same pixels without the tag: the face is on its side and the detector does not see it.
    assert problem_of(engine, untagged).code == FaceProblem.NO_FACE


def test_a_heic_photo_is_read(engine):
    # Small: encoding HEVC is slow.
    heic = encoded(upright("obama_2.jpg").resize((313, 600)), "HEIF", quality=50)
    assert heic[4:12] == b"ftypheic"

    assert engine.compare(heic, photo("obama_1.jpg")) >= THRESHOLD


def test_a_large_phone_photo_and_a_webp_are_read(engine):
    phone_photo = upright("obama_2.jpg").resize((2268, 4032), Image.Resampling.BICUBIC)

    assert engine.compare(encoded(phone_photo, quality=92), encoded(upright("obama_1.jpg"), "WEBP")) >= THRESHOLD


def test_a_photo_over_the_size_limit_is_refused_before_reading(engine, settings):
    settings.FACES_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

    problem = problem_of(engine, b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))

    assert problem.code == FaceProblem.TOO_LARGE
    assert english(problem) == "This photo is larger than 10 MB. Please send a smaller photo."


def test_a_photo_of_too_many_pixels_is_refused_without_decoding_it(engine):
    # 48 megapixels of one colour: a few kilobytes as PNG, 144 MB once decoded.
    bomb = encoded(Image.new("1", (8000, 6000)), "PNG")
    assert len(bomb) < 1024 * 1024

    problem = problem_of(engine, bomb)

    assert problem.code == FaceProblem.TOO_LARGE
    assert "more than 40 megapixels" in english(problem)


def test_the_similarity_puts_the_default_thresholds_at_the_calibrated_distances():
    distances = np.array([0.3, 0.4, 0.45, 0.5, 0.571, 0.6, 0.7, 1.2])

    scores = np.round(similarity(distances), 2)

    assert scores[1] == STRONG_THRESHOLD
    assert scores[3] == THRESHOLD
    assert scores[0] == pytest.approx(99.91, abs=0.01)
    assert STRONG_THRESHOLD > scores[2] > THRESHOLD
    # The two people 0.571 and 0.592 apart that the former curve scored 99.58 and 99.22 are far below.
    assert scores[4] == pytest.approx(62.1, abs=0.1)
    assert scores[5] < 50
    assert list(scores) == sorted(scores, reverse=True)
    assert scores[-1] >= 0


def test_the_default_settings_are_the_calibrated_thresholds(settings):
    assert settings.FACES_MATCH_THRESHOLD == THRESHOLD
    assert settings.FACES_STRONG_MATCH_THRESHOLD == STRONG_THRESHOLD


def test_a_borderline_pair_is_a_possible_match_not_a_strong_one(engine):
    # biden_1 and biden_2 are 0.42 apart: the same person, but not close enough to be sure from the face alone.
    score = engine.compare(photo("biden_1.jpg"), photo("biden_2.jpg"))

    assert THRESHOLD <= score < STRONG_THRESHOLD
    assert band_of(score) == MatchBand.POSSIBLE


def test_a_close_pair_is_a_strong_match(engine):
    score = engine.compare(photo("kit_harington_1.jpeg"), photo("kit_harington_2.jpeg"))

    assert band_of(score) == MatchBand.STRONG


@pytest.mark.parametrize(
    "first, second", [("obama_1.jpg", "lin_manuel_miranda_1.png"), ("biden_2.jpg", "rose_leslie_1.jpg")]
)
def test_two_people_are_far_below_the_possible_threshold(engine, first, second):
    score = engine.compare(photo(first), photo(second))

    assert score < 20
    assert band_of(score) is None


def test_the_farthest_pair_of_one_person_is_missed(engine):
    # 0.515 apart: the false non-match the calibration accepts rather than risk a false match.
    score = engine.compare(photo("alex_lacamoire_1.png"), photo("alex_lacamoire_2.jpg"))

    assert 80 < score < THRESHOLD
    assert band_of(score) is None


def test_the_search_keeps_the_rows_over_the_threshold_best_first_up_to_the_limit():
    rng = np.random.default_rng(7)
    query = rng.normal(0, 0.13, 128).astype(np.float32)
    direction = rng.normal(0, 1, 128)
    direction /= np.linalg.norm(direction)
    distances = [0.9, 0.45, 0.49, 0.2, 0.62, 0.45]
    matrix = np.vstack([query + distance * direction for distance in distances]).astype(np.float32)
    matrix.flags.writeable = False
    arguments = {
        "external_ids": ["a", "b", "c", "d", "e", "f"],
        "face_ids": ["fa", "fb", "fc", "fd", "fe", "ff"],
        "matrix": matrix,
    }

    found = best_candidates(query, threshold=THRESHOLD, max_results=5, **arguments)
    # Twice: the second search takes the row norms kept from the first.
    again = best_candidates(query, threshold=THRESHOLD, max_results=2, **arguments)

    assert [candidate.external_id for candidate in found] == ["d", "b", "f", "c"]
    assert [candidate.face_id for candidate in found] == ["fd", "fb", "ff", "fc"]
    assert found[0].similarity == pytest.approx(float(similarity(np.float64(0.2))), abs=0.01)
    assert found[-1].similarity == pytest.approx(float(similarity(np.float64(0.49))), abs=0.01)
    assert [candidate.external_id for candidate in again] == ["d", "b"]
    assert best_candidates(query, threshold=100.01, max_results=5, **arguments) == []


def test_an_empty_gallery_finds_no_one(engine):
    engine.gallery = MemoryGallery()

    assert engine.search(photo("obama_1.jpg"), threshold=0) == []


def test_embeddings_go_to_bytes_and_back():
    embedding = np.linspace(-0.3, 0.3, 128, dtype=np.float32)

    content = embedding_bytes(embedding)

    assert content[:4] == np.float32(-0.3).tobytes()  # little-endian float32
    assert np.array_equal(embedding_from_bytes(content), embedding)
    with pytest.raises(ValueError):
        embedding_from_bytes(content[:-4])


def test_the_local_engine_is_the_default_and_searches_the_gallery_it_is_given(settings):
    del settings.FACES_BACKEND
    gallery = MemoryGallery()

    engine = get_engine(gallery=gallery)

    assert isinstance(engine, LocalFaceEngine)
    assert engine.name == "local"
    assert engine.gallery is gallery


def test_searching_without_a_gallery_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        LocalFaceEngine().search(photo("obama_1.jpg"), threshold=THRESHOLD)

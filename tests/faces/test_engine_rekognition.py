"""The Rekognition engine against botocore's Stubber, which checks each request against the real service model."""

import io

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from PIL import Image, ImageOps

from faces.engine import get_engine
from faces.engine.base import Candidate, DetectedFace, FaceProblem
from faces.engine.rekognition import RekognitionEngine
from tests.files import TEST_DATA

FACES = TEST_DATA / "faces"
COLLECTION = "relyfe-test"
FACE_ID = "11111111-2222-3333-4444-555555555555"
OTHER_FACE_ID = "66666666-7777-8888-9999-000000000000"
PATIENT = "7d1f6c1e-52a4-4bd4-9d2f-3f7f2b0a9c11"


def photo(name: str = "obama_1.jpg") -> bytes:
    return (FACES / name).read_bytes()


def box(left: float, top: float, width: float, height: float) -> dict:
    return {"Left": left, "Top": top, "Width": width, "Height": height}


GOOD_POSE = {"Yaw": 4.5, "Roll": -2.0, "Pitch": 3.0}
GOOD_QUALITY = {"Sharpness": 86.9, "Brightness": 73.5}


def face_record(bounding_box: dict, pose: dict = GOOD_POSE, quality: dict = GOOD_QUALITY) -> dict:
    return {
        "Face": {
            "FaceId": FACE_ID,
            "BoundingBox": bounding_box,
            "ImageId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "ExternalImageId": PATIENT,
            "Confidence": 99.99,
        },
        "FaceDetail": {"BoundingBox": bounding_box, "Confidence": 99.99, "Pose": pose, "Quality": quality},
    }


def unindexed(reasons: list[str], bounding_box: dict) -> dict:
    return {"Reasons": reasons, "FaceDetail": {"BoundingBox": bounding_box, "Confidence": 99.0}}


def index_request(external_id: str = PATIENT) -> dict:
    return {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": ANY},
        "ExternalImageId": external_id,
        "MaxFaces": 1,
        "QualityFilter": "HIGH",
        "DetectionAttributes": ["DEFAULT"],
    }


def index_response(records: list[dict], unindexed_faces: list[dict] = ()) -> dict:
    return {"FaceRecords": records, "UnindexedFaces": list(unindexed_faces), "FaceModelVersion": "7.0"}


def english(problem: FaceProblem) -> str:
    with translation.override("en"):
        return str(problem)


@pytest.fixture(autouse=True)
def rekognition_settings(settings):
    settings.FACES_REKOGNITION_COLLECTION = COLLECTION
    settings.AWS_REKOGNITION_REGION = "eu-west-3"


@pytest.fixture
def stubbed():
    client = boto3.client(
        "rekognition", region_name="eu-west-3", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield RekognitionEngine(client=client), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def collection_exists(stubbed):
    engine, stubber = stubbed
    stubber.add_response("describe_collection", {"FaceCount": 3}, {"CollectionId": COLLECTION})
    return engine, stubber


def sent_images(engine: RekognitionEngine, operation: str) -> list[Image.Image]:
    """The images the engine really sends, decoded from the request the client builds."""
    images = []
    engine.client.meta.events.register(
        f"provide-client-params.rekognition.{operation}",
        lambda params, **kwargs: images.append(Image.open(io.BytesIO(params["Image"]["Bytes"]))),
    )
    return images


def test_enrolment_creates_the_collection_when_it_is_missing_and_only_once(stubbed):
    engine, stubber = stubbed
    stubber.add_client_error(
        "describe_collection",
        service_error_code="ResourceNotFoundException",
        expected_params={"CollectionId": COLLECTION},
    )
    stubber.add_response("create_collection", {"StatusCode": 200}, {"CollectionId": COLLECTION})
    stubber.add_response("index_faces", index_response([face_record(box(0.3, 0.2, 0.3, 0.3))]), index_request())
    # The second enrolment goes straight to IndexFaces.
    stubber.add_response("index_faces", index_response([face_record(box(0.3, 0.2, 0.3, 0.3))]), index_request("other"))

    enrolled = engine.enrol(photo(), external_id=PATIENT)
    assert (enrolled.face_id, enrolled.embedding) == (FACE_ID, None)
    engine.enrol(photo("obama_2.jpg"), external_id="other")


def test_an_existing_collection_is_not_created_again(collection_exists):
    engine, stubber = collection_exists
    stubber.add_response("index_faces", index_response([face_record(box(0.3, 0.2, 0.3, 0.3))]), index_request())

    assert engine.enrol(photo(), external_id=PATIENT).face_id == FACE_ID


def test_a_failure_to_look_the_collection_up_is_not_taken_for_its_absence(stubbed):
    engine, stubber = stubbed
    stubber.add_client_error("describe_collection", service_error_code="AccessDeniedException")

    with pytest.raises(ClientError):
        engine.enrol(photo(), external_id=PATIENT)


def test_the_photo_is_sent_as_a_jpeg_within_rekognitions_limits(collection_exists):
    engine, stubber = collection_exists
    images = sent_images(engine, "IndexFaces")
    big = ImageOps.exif_transpose(Image.open(FACES / "obama_2.jpg")).resize((2250, 4000))
    output = io.BytesIO()
    big.save(output, format="JPEG", quality=80)
    stubber.add_response("index_faces", index_response([face_record(box(0.3, 0.2, 0.3, 0.2))]), index_request())

    engine.enrol(output.getvalue(), external_id=PATIENT)

    assert images[0].format == "JPEG"
    assert images[0].size == (1080, 1920)


@pytest.mark.parametrize(
    ("reasons", "code", "explained"),
    [
        (["LOW_BRIGHTNESS", "LOW_SHARPNESS"], FaceProblem.LOW_QUALITY, "(it is too dark, it is blurred)"),
        (["LOW_CONFIDENCE", "LOW_FACE_QUALITY"], FaceProblem.LOW_QUALITY, "does not clearly look like a face"),
    ],
)
def test_a_face_rekognition_would_not_index_is_explained(collection_exists, reasons, code, explained):
    engine, stubber = collection_exists
    stubber.add_response(
        "index_faces", index_response([], [unindexed(reasons, box(0.3, 0.2, 0.3, 0.3))]), index_request()
    )

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == code
    assert english(caught.value).startswith("The face in this photo cannot be used")
    assert explained in english(caught.value)


@pytest.mark.parametrize(
    ("reasons", "code", "message"),
    [
        (["EXTREME_POSE"], FaceProblem.TURNED, "The face is turned or tilted in this photo."),
        (["LOW_SHARPNESS"], FaceProblem.BLURRED, "The face is blurred in this photo."),
        (["LOW_BRIGHTNESS"], FaceProblem.TOO_DARK, "The face is too dark in this photo."),
        (["SMALL_BOUNDING_BOX", "LOW_SHARPNESS"], FaceProblem.FACE_TOO_SMALL, "The face is too small in this photo"),
    ],
)
def test_a_reason_one_gate_stands_for_reads_as_with_the_local_engine(collection_exists, reasons, code, message):
    engine, stubber = collection_exists
    stubber.add_response(
        "index_faces", index_response([], [unindexed(reasons, box(0.3, 0.2, 0.3, 0.3))]), index_request()
    )

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == code
    assert english(caught.value).startswith(message)


def test_the_enrolled_face_keeps_what_rekognition_measured(collection_exists):
    engine, stubber = collection_exists
    # 0.3 of a 910 px wide photo: 273 px.
    stubber.add_response("index_faces", index_response([face_record(box(0.3, 0.2, 0.3, 0.3))]), index_request())

    enrolled = engine.enrol(photo(), external_id=PATIENT)

    assert enrolled.quality == {
        "sharpness": 86.9,
        "brightness": 73.5,
        "face_px": pytest.approx(273, abs=1),
        "yaw": 4.5,
        "roll": -2.0,
        "pitch": 3.0,
    }


@pytest.mark.parametrize(
    ("pose", "quality", "code"),
    [
        ({"Yaw": -52.0, "Roll": 1.0, "Pitch": 0.0}, GOOD_QUALITY, FaceProblem.TURNED),
        ({"Yaw": 3.0, "Roll": 27.0, "Pitch": 0.0}, GOOD_QUALITY, FaceProblem.TURNED),
        ({"Yaw": 3.0, "Roll": 1.0, "Pitch": -38.0}, GOOD_QUALITY, FaceProblem.TURNED),
        (GOOD_POSE, {"Sharpness": 4.0, "Brightness": 60.0}, FaceProblem.BLURRED),
        (GOOD_POSE, {"Sharpness": 80.0, "Brightness": 8.0}, FaceProblem.TOO_DARK),
        (GOOD_POSE, {"Sharpness": 80.0, "Brightness": 98.0}, FaceProblem.OVEREXPOSED),
    ],
)
def test_a_face_indexed_outside_the_gates_is_refused_and_removed_again(collection_exists, pose, quality, code):
    engine, stubber = collection_exists
    record = face_record(box(0.3, 0.2, 0.3, 0.3), pose=pose, quality=quality)
    stubber.add_response("index_faces", index_response([record]), index_request())
    stubber.add_response(
        "delete_faces", {"DeletedFaces": [FACE_ID]}, {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]}
    )

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == code


def test_a_photo_where_rekognition_finds_no_face_is_refused(collection_exists):
    engine, stubber = collection_exists
    stubber.add_response("index_faces", index_response([]), index_request())

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == FaceProblem.NO_FACE
    assert english(caught.value).startswith("No face was found in this photo.")


def test_a_second_face_of_similar_size_undoes_the_enrolment(collection_exists):
    engine, stubber = collection_exists
    response = index_response(
        [face_record(box(0.1, 0.2, 0.3, 0.3))], [unindexed(["EXCEEDS_MAX_FACES"], box(0.6, 0.2, 0.25, 0.28))]
    )
    stubber.add_response("index_faces", response, index_request())
    stubber.add_response(
        "delete_faces", {"DeletedFaces": [FACE_ID]}, {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]}
    )

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == FaceProblem.SEVERAL_FACES
    assert "Several faces of similar size" in english(caught.value)


def test_a_much_smaller_face_behind_does_not_stop_the_enrolment(collection_exists):
    engine, stubber = collection_exists
    response = index_response(
        [face_record(box(0.1, 0.2, 0.3, 0.3))], [unindexed(["EXCEEDS_MAX_FACES"], box(0.7, 0.1, 0.1, 0.12))]
    )
    stubber.add_response("index_faces", response, index_request())

    assert engine.enrol(photo(), external_id=PATIENT).face_id == FACE_ID


def test_an_indexed_face_too_small_is_removed_again(collection_exists):
    engine, stubber = collection_exists
    # 0.04 of a 910 px wide photo: 36 px.
    stubber.add_response("index_faces", index_response([face_record(box(0.5, 0.5, 0.04, 0.05))]), index_request())
    stubber.add_response(
        "delete_faces", {"DeletedFaces": [FACE_ID]}, {"CollectionId": COLLECTION, "FaceIds": [FACE_ID]}
    )

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(photo(), external_id=PATIENT)

    assert caught.value.code == FaceProblem.FACE_TOO_SMALL


def search_request(threshold: float = 99.0, max_faces: int = 5) -> dict:
    return {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": ANY},
        "MaxFaces": max_faces,
        "FaceMatchThreshold": threshold,
        "QualityFilter": "AUTO",
    }


def face_match(face_id: str, external_id: str, similarity: float) -> dict:
    return {
        "Similarity": similarity,
        "Face": {"FaceId": face_id, "ExternalImageId": external_id, "BoundingBox": box(0.1, 0.1, 0.3, 0.3)},
    }


def detected(*boxes: dict) -> dict:
    return {"FaceDetails": [{"BoundingBox": bounding_box, "Confidence": 99.9} for bounding_box in boxes]}


def test_a_search_checks_the_photo_then_returns_the_matches_best_first(stubbed):
    engine, stubber = stubbed
    stubber.add_response(
        "detect_faces", detected(box(0.3, 0.2, 0.3, 0.3)), {"Image": {"Bytes": ANY}, "Attributes": ["DEFAULT"]}
    )
    matches = [face_match(OTHER_FACE_ID, "someone", 99.2), face_match(FACE_ID, PATIENT, 99.98765)]
    stubber.add_response("search_faces_by_image", {"FaceMatches": matches}, search_request(threshold=99.0, max_faces=3))

    candidates = engine.search(photo(), threshold=99.0, max_results=3)

    assert candidates == [Candidate(PATIENT, FACE_ID, 99.99), Candidate("someone", OTHER_FACE_ID, 99.2)]


@pytest.mark.parametrize(
    ("faces", "code"),
    [
        ([], FaceProblem.NO_FACE),
        ([box(0.1, 0.2, 0.3, 0.3), box(0.55, 0.25, 0.28, 0.26)], FaceProblem.SEVERAL_FACES),
        ([box(0.5, 0.5, 0.04, 0.05)], FaceProblem.FACE_TOO_SMALL),
    ],
    ids=["no face", "two faces", "tiny face"],
)
def test_a_photo_unfit_for_a_search_is_refused_before_searching(stubbed, faces, code):
    engine, stubber = stubbed
    stubber.add_response("detect_faces", detected(*faces))

    with pytest.raises(FaceProblem) as caught:
        engine.search(photo(), threshold=99.0)

    assert caught.value.code == code


def test_a_search_rekognition_finds_no_face_for_is_refused(stubbed):
    engine, stubber = stubbed
    stubber.add_response("detect_faces", detected(box(0.3, 0.2, 0.3, 0.3)))
    stubber.add_client_error(
        "search_faces_by_image",
        service_error_code="InvalidParameterException",
        service_message="There are no faces in the image. Should be at least 1.",
    )

    with pytest.raises(FaceProblem) as caught:
        engine.search(photo(), threshold=99.0)

    assert caught.value.code == FaceProblem.NO_FACE


def test_a_search_before_any_enrolment_finds_no_one(stubbed):
    engine, stubber = stubbed
    stubber.add_response("detect_faces", detected(box(0.3, 0.2, 0.3, 0.3)))
    stubber.add_client_error("search_faces_by_image", service_error_code="ResourceNotFoundException")

    assert engine.search(photo(), threshold=99.0) == []


def test_an_image_rekognition_cannot_read_is_refused_and_other_errors_are_left_alone(stubbed):
    engine, stubber = stubbed
    stubber.add_client_error("detect_faces", service_error_code="InvalidImageFormatException")
    stubber.add_client_error("detect_faces", service_error_code="ThrottlingException")

    with pytest.raises(FaceProblem) as caught:
        engine.search(photo(), threshold=99.0)
    with pytest.raises(ClientError):
        engine.search(photo(), threshold=99.0)

    assert caught.value.code == FaceProblem.NOT_AN_IMAGE


def test_a_file_that_is_no_photo_is_refused_without_calling_aws(stubbed):
    engine, _ = stubbed

    with pytest.raises(FaceProblem) as caught:
        engine.enrol(b"not a photo", external_id=PATIENT)

    assert caught.value.code == FaceProblem.NOT_AN_IMAGE


def test_removing_faces_deletes_them_in_batches_of_4096(stubbed):
    engine, stubber = stubbed
    face_ids = [f"{index:08d}-0000-0000-0000-000000000000" for index in range(5000)]
    stubber.add_response(
        "delete_faces", {"DeletedFaces": face_ids[:4096]}, {"CollectionId": COLLECTION, "FaceIds": face_ids[:4096]}
    )
    stubber.add_response(
        "delete_faces", {"DeletedFaces": face_ids[4096:]}, {"CollectionId": COLLECTION, "FaceIds": face_ids[4096:]}
    )

    engine.remove(face_ids)
    engine.remove([])


def test_comparing_gives_the_best_similarity_or_zero(stubbed):
    engine, stubber = stubbed
    request = {"SourceImage": {"Bytes": ANY}, "TargetImage": {"Bytes": ANY}, "SimilarityThreshold": 0}
    matches = [
        {"Similarity": 12.5, "Face": {"BoundingBox": box(0.1, 0.1, 0.2, 0.2)}},
        {"Similarity": 99.9712, "Face": {"BoundingBox": box(0.5, 0.1, 0.2, 0.2)}},
    ]
    stubber.add_response("compare_faces", {"FaceMatches": matches}, request)
    stubber.add_response("compare_faces", {"FaceMatches": [], "UnmatchedFaces": []}, request)

    assert engine.compare(photo("obama_1.jpg"), photo("obama_2.jpg")) == 99.97
    assert engine.compare(photo("obama_1.jpg"), photo("biden_1.jpg")) == 0.0


def test_comparing_with_a_photo_without_a_face_is_refused(stubbed):
    engine, stubber = stubbed
    stubber.add_client_error("compare_faces", service_error_code="InvalidParameterException")

    with pytest.raises(FaceProblem) as caught:
        engine.compare(photo("obama_1.jpg"), photo("obama_2.jpg"))

    assert caught.value.code == FaceProblem.NO_FACE


def test_the_engine_is_chosen_by_the_setting_with_the_region_and_collection_of_the_settings(settings):
    settings.FACES_BACKEND = "rekognition"
    settings.AWS_REKOGNITION_REGION = "eu-central-1"
    settings.FACES_REKOGNITION_COLLECTION = "relyfe-production"

    engine = get_engine()

    assert isinstance(engine, RekognitionEngine)
    assert engine.name == "rekognition"
    assert engine.client.meta.region_name == "eu-central-1"
    assert engine.collection_id == "relyfe-production"


def test_an_unknown_backend_is_a_configuration_error(settings):
    settings.FACES_BACKEND = "crystal-ball"

    with pytest.raises(ImproperlyConfigured):
        get_engine()


def test_detect_gives_every_face_rekognition_finds_in_the_photos_own_pixels(stubbed):
    engine, stubber = stubbed
    stubber.add_response(
        "detect_faces",
        detected(box(0.1, 0.2, 0.3, 0.25), box(0.6, 0.5, 0.05, 0.04)),
        {"Image": {"Bytes": ANY}, "Attributes": ["DEFAULT"]},
    )

    faces = engine.detect(photo("group_obama_and_biden.jpg"))

    # The photo is 2000 x 1428 as sent; it travels reduced to 1920 px, the boxes come back in its own pixels.
    assert faces == [DetectedFace(left=200, top=286, width=600, height=357), DetectedFace(1200, 714, 100, 57)]

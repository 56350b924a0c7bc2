"""AWS Rekognition: faces are indexed in a collection that Rekognition keeps, and searched there. The
collection holds a feature vector per face with its FaceId and ExternalImageId (the patient's public id),
not the photo."""

import io

import boto3
from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image

from faces.engine import quality
from faces.engine.base import Candidate, DetectedFace, EnrolledFace, FaceEngine, FaceProblem
from faces.engine.images import (
    FaceBox,
    Photo,
    chosen_face,
    face_too_small,
    interpolated,
    no_face,
    not_an_image,
    open_photo,
)

# Rekognition takes images of up to 5 MB passed as bytes; it finds faces down to 40 px in a 1920 px
# picture, and a larger picture only takes longer to send.
MAX_SIDE = 1920
MAX_BYTES = 5 * 1024 * 1024
JPEG_QUALITIES = (90, 75, 60, 45)
# DeleteFaces takes at most this many ids a call.
DELETE_BATCH = 4096
# Why Rekognition did not index a face, as the user reads it.
UNINDEXED_REASONS = {
    "LOW_BRIGHTNESS": _("it is too dark"),
    "LOW_SHARPNESS": _("it is blurred"),
    "LOW_CONFIDENCE": _("it does not clearly look like a face"),
    "SMALL_BOUNDING_BOX": _("the face is too small"),
    "EXTREME_POSE": _("the face is turned away"),
    "EXCEEDS_MAX_FACES": _("other faces are in the photo"),
    "LOW_FACE_QUALITY": _("the face is not clear enough"),
}
# The reasons that one of the quality gates (faces/engine/quality.py) stands for: when it is the only one,
# the user reads the same message as with the local engine.
GATE_PROBLEMS = {
    "SMALL_BOUNDING_BOX": face_too_small,
    "LOW_SHARPNESS": quality.blurred,
    "LOW_BRIGHTNESS": quality.too_dark,
    "EXTREME_POSE": quality.turned,
}
# Rekognition's Quality is its own 0-100 scale, not the local engine's measures: QualityFilter="HIGH"
# already refuses what AWS finds poor, and these limits only add the extremes it would let through (not
# measured on real responses: no AWS account is used by the tests). The pose limits are the local ones,
# in the same degrees.
MIN_SHARPNESS = 10.0
BRIGHTNESS_RANGE = (15.0, 95.0)


class RekognitionEngine(FaceEngine):
    name = "rekognition"

    def __init__(self, client=None):
        self.client = client or boto3.client(
            "rekognition", region_name=getattr(settings, "AWS_REKOGNITION_REGION", "eu-west-3")
        )
        self.collection_id = getattr(settings, "FACES_REKOGNITION_COLLECTION", "relyfe-development")
        self._collection_exists = False

    def enrol(self, image: bytes, *, external_id: str) -> EnrolledFace:
        photo = open_photo(image, max_side=MAX_SIDE)
        self._ensure_collection()
        response = self._call(
            "index_faces",
            CollectionId=self.collection_id,
            Image={"Bytes": _jpeg(photo.image)},
            ExternalImageId=external_id,
            # The largest face is indexed; the others come back as unindexed, EXCEEDS_MAX_FACES.
            MaxFaces=1,
            # AWS's strictest filter: a face it finds of low quality is not indexed, and says why.
            QualityFilter="HIGH",
            # DEFAULT gives the face's Pose and Quality, which the gates read.
            DetectionAttributes=["DEFAULT"],
        )
        if not response["FaceRecords"]:
            raise _unindexed_problem(response["UnindexedFaces"], photo)
        record = response["FaceRecords"][0]
        face = record["Face"]
        others = [
            _box(unindexed["FaceDetail"]["BoundingBox"], photo)
            for unindexed in response["UnindexedFaces"]
            if "EXCEEDS_MAX_FACES" in unindexed["Reasons"]
        ]
        measured = _quality(record.get("FaceDetail", {}), _box(face["BoundingBox"], photo), photo)
        try:
            chosen_face([_box(face["BoundingBox"], photo), *others], scale=photo.scale)
            if measured is not None:
                quality.check(measured, min_sharpness=MIN_SHARPNESS, brightness_range=BRIGHTNESS_RANGE)
        except FaceProblem:
            # Indexed already: a face the patient would not be found by must not stay in the collection.
            self.remove([face["FaceId"]])
            raise
        return EnrolledFace(
            face_id=face["FaceId"], embedding=None, quality=measured.as_dict() if measured is not None else {}
        )

    def search(self, image: bytes, *, threshold: float, max_results: int = 5) -> list[Candidate]:
        photo = open_photo(image, max_side=MAX_SIDE)
        content = _jpeg(photo.image)
        # SearchFacesByImage silently takes the largest face: the photo is checked first, as the local engine does.
        detected = self._call("detect_faces", Image={"Bytes": content}, Attributes=["DEFAULT"])
        chosen_face([_box(detail["BoundingBox"], photo) for detail in detected["FaceDetails"]], scale=photo.scale)
        try:
            response = self._call(
                "search_faces_by_image",
                invalid_means_no_face=True,
                CollectionId=self.collection_id,
                Image={"Bytes": content},
                MaxFaces=max_results,
                FaceMatchThreshold=threshold,
                QualityFilter="AUTO",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                # The collection is made at the first enrolment: before it, nobody can be found.
                return []
            raise
        matches = sorted(response["FaceMatches"], key=lambda match: -match["Similarity"])
        return [
            Candidate(
                # Faces are always indexed with one; the field is optional in the API all the same.
                external_id=match["Face"].get("ExternalImageId", ""),
                face_id=match["Face"]["FaceId"],
                similarity=round(match["Similarity"], 2),
            )
            for match in matches
            if round(match["Similarity"], 2) >= threshold
        ]

    def remove(self, face_ids: list[str]) -> None:
        for start in range(0, len(face_ids), DELETE_BATCH):
            try:
                self.client.delete_faces(
                    CollectionId=self.collection_id, FaceIds=face_ids[start : start + DELETE_BATCH]
                )
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return  # no collection, so none of the faces is left
                raise

    def compare(self, image_a: bytes, image_b: bytes) -> float:
        source = _jpeg(open_photo(image_a, max_side=MAX_SIDE).image)
        target = _jpeg(open_photo(image_b, max_side=MAX_SIDE).image)
        response = self._call(
            "compare_faces",
            invalid_means_no_face=True,
            SourceImage={"Bytes": source},
            TargetImage={"Bytes": target},
            SimilarityThreshold=0,
        )
        return round(max((match["Similarity"] for match in response["FaceMatches"]), default=0.0), 2)

    def detect(self, image: bytes) -> list[DetectedFace]:
        photo = open_photo(image, max_side=MAX_SIDE)
        response = self._call("detect_faces", Image={"Bytes": _jpeg(photo.image)}, Attributes=["DEFAULT"])
        return [_detected(_box(detail["BoundingBox"], photo), photo.scale) for detail in response["FaceDetails"]]

    def _ensure_collection(self) -> None:
        if self._collection_exists:
            return
        try:
            self.client.describe_collection(CollectionId=self.collection_id)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            try:
                self.client.create_collection(CollectionId=self.collection_id)
            except ClientError as creation_error:
                # Another process made it in the meantime.
                if creation_error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
        self._collection_exists = True

    def _call(self, operation: str, *, invalid_means_no_face: bool = False, **parameters) -> dict:
        """The operation's response; the errors that mean the photo cannot be used become a FaceProblem.
        SearchFacesByImage and CompareFaces answer InvalidParameterException when they find no face."""
        try:
            return getattr(self.client, operation)(**parameters)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "InvalidImageFormatException":
                raise not_an_image() from error
            if code == "ImageTooLargeException":
                raise FaceProblem(
                    FaceProblem.TOO_LARGE, _("This photo is too large to be read. Please send a smaller photo.")
                ) from error
            if code == "InvalidParameterException" and invalid_means_no_face:
                raise no_face() from error
            raise


def _unindexed_problem(unindexed: list[dict], photo: Photo) -> FaceProblem:
    """Why the photo's face was not indexed: for the largest face Rekognition saw, the reasons it gives."""
    if not unindexed:
        return no_face()
    largest = max(unindexed, key=lambda face: _box(face["FaceDetail"]["BoundingBox"], photo).area)
    reasons = [reason for reason in largest["Reasons"] if reason in UNINDEXED_REASONS]
    if "SMALL_BOUNDING_BOX" in reasons:
        return face_too_small()
    if len(reasons) == 1 and reasons[0] in GATE_PROBLEMS:
        return GATE_PROBLEMS[reasons[0]]()
    code = FaceProblem.SEVERAL_FACES if reasons == ["EXCEEDS_MAX_FACES"] else FaceProblem.LOW_QUALITY
    explained = format_lazy(", ".join(["{}"] * len(reasons)), *(UNINDEXED_REASONS[reason] for reason in reasons))
    return FaceProblem(
        code,
        interpolated(
            _(
                "The face in this photo cannot be used (%(reasons)s). Please take the photo again facing the "
                "person, in good light, holding the phone still."
            ),
            reasons=explained if reasons else _("its quality is too low"),
        ),
    )


def _quality(detail: dict, box: FaceBox, photo: Photo) -> quality.Quality | None:
    """What Rekognition measured of the indexed face, in the gates' terms; None when it did not say."""
    pose, measured = detail.get("Pose"), detail.get("Quality")
    if not pose or not measured:
        return None
    return quality.Quality(
        sharpness=measured.get("Sharpness", 100.0),
        brightness=measured.get("Brightness", 50.0),
        face_px=min(box.width, box.height) * photo.scale,
        yaw=pose.get("Yaw", 0.0),
        roll=pose.get("Roll", 0.0),
        pitch=pose.get("Pitch", 0.0),
    )


def _box(bounding_box: dict, photo: Photo) -> FaceBox:
    """Rekognition gives boxes as fractions of the picture's width and height."""
    width, height = photo.image.size
    return FaceBox(
        left=bounding_box.get("Left", 0.0) * width,
        top=bounding_box.get("Top", 0.0) * height,
        width=bounding_box.get("Width", 0.0) * width,
        height=bounding_box.get("Height", 0.0) * height,
    )


def _detected(box: FaceBox, scale: float) -> DetectedFace:
    return DetectedFace(
        left=max(0, round(box.left * scale)),
        top=max(0, round(box.top * scale)),
        width=round(box.width * scale),
        height=round(box.height * scale),
    )


def _jpeg(image: Image.Image) -> bytes:
    for jpeg_quality in JPEG_QUALITIES:
        output = io.BytesIO()
        image.save(output, format="JPEG", quality=jpeg_quality)
        if output.tell() <= MAX_BYTES:
            return output.getvalue()
    raise FaceProblem(FaceProblem.TOO_LARGE, _("This photo is too detailed to be sent. Please send a smaller photo."))

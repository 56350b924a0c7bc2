"""What a face engine does: enrol a person's face, find who a photo shows, forget faces, compare two photos."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from relyfe.errors import DomainError

if TYPE_CHECKING:
    import numpy


class FaceProblem(DomainError):
    """A photo that cannot be used. `code` says why for the program, `message` tells the user what to do
    (a lazily translated text). A domain error: the API answers it as a 400 with that code."""

    NOT_AN_IMAGE = "not_an_image"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_TOO_SMALL = "face_too_small"
    # The quality gates at enrolment (faces/engine/quality.py).
    BLURRED = "blurred"
    TOO_DARK = "too_dark"
    OVEREXPOSED = "overexposed"
    TURNED = "turned"
    LOW_QUALITY = "low_quality"
    TOO_LARGE = "too_large"

    def __init__(self, code: str, message):
        super().__init__(code, message, status=400)
        self.message = message


@dataclass(frozen=True)
class EnrolledFace:
    # The backend's id for this face template: Rekognition's FaceId, or a new uuid4 hex for the local engine.
    face_id: str
    # Local engine: the 128 float32 of the embedding, little-endian (512 bytes). Rekognition keeps its own: None.
    embedding: bytes | None
    # What the quality gates measured (sharpness, brightness, face size, pose), kept with the template.
    quality: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    external_id: str  # what was given at enrolment: the patient's public id
    face_id: str
    similarity: float  # 0-100, rounded to 2 decimals


class Gallery(Protocol):
    """The enrolled faces the local engine searches; the database supplies them."""

    def snapshot(self) -> tuple[list[str], list[str], "numpy.ndarray"]:
        """(external ids, face ids, float32 matrix of one 128-value embedding per row), in the same order."""


class FaceEngine(ABC):
    name: str

    @abstractmethod
    def enrol(self, image: bytes, *, external_id: str) -> EnrolledFace:
        """Registers the face of the photo under external_id; raises FaceProblem when the photo cannot be used."""

    @abstractmethod
    def search(self, image: bytes, *, threshold: float, max_results: int = 5) -> list[Candidate]:
        """The enrolled faces like the photo's at a similarity of at least threshold (0-100), best first."""

    @abstractmethod
    def remove(self, face_ids: list[str]) -> None:
        """Forgets these enrolled faces."""

    @abstractmethod
    def compare(self, image_a: bytes, image_b: bytes) -> float:
        """How alike the faces of the two photos are, 0-100."""

    @abstractmethod
    def detect(self, image: bytes) -> list["DetectedFace"]:
        """Every face in the photo, small ones and turned ones included (to blur them, not to recognise
        them), in the pixels of the photo as sent once turned upright; FaceProblem when it is not a photo."""


@dataclass(frozen=True)
class DetectedFace:
    """A face found in a photo: its box in the upright photo's own pixels."""

    left: int
    top: int
    width: int
    height: int

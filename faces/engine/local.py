"""Face recognition on this machine with dlib: its HOG face detector, its 68-landmark shape predictor and its
ResNet that turns an aligned face into 128 numbers, shipped by the face_recognition_models package. The
distance between two embeddings becomes a 0-100 similarity through a curve calibrated on labelled pairs
(see STEEPNESS); nothing is sent away.
"""

import math
import threading
import uuid
import weakref
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from faces.engine import quality
from faces.engine.base import Candidate, DetectedFace, EnrolledFace, FaceEngine, Gallery
from faces.engine.images import FaceBox, chosen_face, open_photo

EMBEDDING_SIZE = 128
EMBEDDING_DTYPE = np.dtype("<f4")
# Faces are looked for in a copy no longer than this: the detector's time grows with the pixels (1.5 s on
# a 2000 px photo, 0.1 s at 800) and at 800 px a face filling a tenth of the photo is still 80 px, the
# size the detector sees without upsampling. The landmarks and the embedding are computed on the photo
# reduced to WORKING_SIDE only, where a face that was small in the detection copy keeps its detail.
DETECTION_SIDE = 800
WORKING_SIDE = 1600
# Below this many pixels, the detection copy is upsampled once straight away, which finds faces from 40 px
# on; on a 640 x 390 copy that takes about 0.1 s. Larger copies are upsampled only when no face was found.
SMALL_DETECTION_PIXELS = 250_000
# The similarity is a logistic of the embedding distance d: 100 / (1 + exp(STEEPNESS * (d - MIDPOINT))), placed
# so that the default thresholds fall at calibrated distances: 99, a "strong match", at STRONG_DISTANCE and
# 90, a "possible match", at POSSIBLE_DISTANCE (relyfe/settings.py). dlib documents 0.6 as its tolerance,
# but on photos that are not in the repository (280 pairs of 61 photos) two pairs of different people were
# 0.571 and 0.592 apart: 0.6 made 2 false matches. Measured with bench/faces.py on the labelled photos of
# ../shared/data/faces (13 photos and the 5 faces cut from the 2 group photos: 18 faces of 7 people):
#   - labelled pairs: 24 of one person, farthest 0.515 apart; 129 of two people, nearest 0.695 apart.
#     At 0.50 (possible): 0/129 false matches, 1/24 false non-match (alex_lacamoire, 0.515).
#     At 0.40 (strong): 0/129 false matches, 8/24 false non-matches (possible matches instead).
#   - augmented (each face also cropped, halved, darkened, brightened, recompressed, turned by 8 degrees
#     each way; two versions of one photo are never paired): 1,536 pairs of one person, farthest 0.563;
#     8,120 pairs of two people, nearest 0.688. At 0.50: 0/8,120 false matches, 72/1,536 false
#     non-matches (4.7 %, almost all versions of the alex_lacamoire pair); at 0.40: 0/8,120 and 559/1,536.
# So the possible band starts 0.07 below the nearest two people ever measured (0.571) and 0.19 below those
# here; the strong band at 0.40, where dlib's published impostor distributions are practically empty.
# Then 0.30 gives 99.91, 0.40 gives 99, 0.45 gives 96.8, 0.50 gives 90, 0.57 gives 62, 0.59 gives 50, 0.70 gives 7.
STRONG_DISTANCE, STRONG_SIMILARITY = 0.40, 99.0
POSSIBLE_DISTANCE, POSSIBLE_SIMILARITY = 0.50, 90.0


def _log_odds(similarity: float) -> float:
    return math.log(similarity / (100 - similarity))


STEEPNESS = (_log_odds(STRONG_SIMILARITY) - _log_odds(POSSIBLE_SIMILARITY)) / (POSSIBLE_DISTANCE - STRONG_DISTANCE)
MIDPOINT_DISTANCE = STRONG_DISTANCE + _log_odds(STRONG_SIMILARITY) / STEEPNESS


@dataclass(frozen=True)
class _Models:
    detector: object
    predictor: object
    recognizer: object


_models_lock = threading.Lock()
_loaded_models: _Models | None = None
# dlib's detector and network keep scratch buffers in the object: one caller at a time.
_inference_lock = threading.Lock()
# The last read-only gallery matrix searched, and the squared norms of its rows.
_cached_norms: tuple[weakref.ref, np.ndarray] | None = None


def _models() -> _Models:
    """dlib's models, loaded once per process: that takes about two seconds."""
    global _loaded_models
    if _loaded_models is None:
        with _models_lock:
            if _loaded_models is None:
                # Imported here: only this engine needs them, and dlib is slow to import.
                import dlib
                import face_recognition_models

                _loaded_models = _Models(
                    detector=dlib.get_frontal_face_detector(),
                    predictor=dlib.shape_predictor(face_recognition_models.pose_predictor_model_location()),
                    recognizer=dlib.face_recognition_model_v1(
                        face_recognition_models.face_recognition_model_location()
                    ),
                )
    return _loaded_models


class LocalFaceEngine(FaceEngine):
    name = "local"

    def __init__(self, gallery: Gallery | None = None):
        self.gallery = gallery

    def embed(self, image: bytes) -> np.ndarray:
        """The 128 float32 of the photo's face; FaceProblem when the photo cannot be used."""
        return self._read(image, measure=False)[0]

    def enrol(self, image: bytes, *, external_id: str) -> EnrolledFace:
        """Only a face that passes the quality gates (faces/engine/quality.py) is enrolled, with what they measured."""
        embedding, measured = self._read(image, measure=True)
        quality.check(measured)
        return EnrolledFace(face_id=uuid.uuid4().hex, embedding=embedding_bytes(embedding), quality=measured.as_dict())

    def measure(self, image: bytes) -> quality.Quality:
        """What the quality gates measure on the photo's face, without judging it."""
        return self._read(image, measure=True)[1]

    def _read(self, image: bytes, *, measure: bool) -> tuple[np.ndarray, "quality.Quality | None"]:
        photo = open_photo(image, max_side=WORKING_SIDE)
        models = _models()
        detection_image = _reduced(photo.image, DETECTION_SIDE)
        factor = max(photo.image.size) / max(detection_image.size)
        pixels = np.asarray(detection_image)
        with _inference_lock:
            upsample = 1 if detection_image.width * detection_image.height <= SMALL_DETECTION_PIXELS else 0
            rectangles = models.detector(pixels, upsample)
            if not rectangles and upsample == 0:
                rectangles = models.detector(pixels, 1)
        boxes = [FaceBox(rect.left(), rect.top(), rect.width(), rect.height()) for rect in rectangles]
        face = chosen_face(boxes, scale=factor * photo.scale)
        embedding, shape, chip = self._descriptor(models, photo.image, face, factor, chip=measure)
        if not measure:
            return embedding, None
        sharpness, brightness = quality.chip_sharpness_and_brightness(chip)
        yaw, roll = quality.pose([(shape.part(index).x, shape.part(index).y) for index in range(shape.num_parts)])
        measured = quality.Quality(
            sharpness=sharpness,
            brightness=brightness,
            face_px=min(face.width, face.height) * factor * photo.scale,
            yaw=yaw,
            roll=roll,
        )
        return embedding, measured

    def search(self, image: bytes, *, threshold: float, max_results: int = 5) -> list[Candidate]:
        if self.gallery is None:
            raise ImproperlyConfigured("The local face engine searches a gallery: pass one to get_engine().")
        external_ids, face_ids, matrix = self.gallery.snapshot()
        return best_candidates(
            self.embed(image),
            external_ids=external_ids,
            face_ids=face_ids,
            matrix=matrix,
            threshold=threshold,
            max_results=max_results,
        )

    def remove(self, face_ids: list[str]) -> None:
        """Nothing to do: the embeddings live in the database rows, which their owner deletes."""

    def compare(self, image_a: bytes, image_b: bytes) -> float:
        distance = float(np.linalg.norm(self.embed(image_a) - self.embed(image_b)))
        return float(np.round(similarity(np.float64(distance)), 2))

    def detect(self, image: bytes) -> list[DetectedFace]:
        # Upsampled once: a face in the background is blurred too, down to about 40 px in the reduced copy.
        photo = open_photo(image, max_side=WORKING_SIDE)
        detection_image = _reduced(photo.image, DETECTION_SIDE)
        scale = photo.original_side / max(detection_image.size)
        with _inference_lock:
            rectangles = _models().detector(np.asarray(detection_image), 1)
        return [
            DetectedFace(
                left=max(0, round(rect.left() * scale)),
                top=max(0, round(rect.top() * scale)),
                width=round(rect.width() * scale),
                height=round(rect.height() * scale),
            )
            for rect in rectangles
        ]

    @staticmethod
    def _descriptor(models: _Models, image: Image.Image, face: FaceBox, factor: float, *, chip: bool = False):
        """(embedding, landmarks, the 150 x 150 aligned face the network reads when chip is asked, else None)."""
        import dlib

        rectangle = dlib.rectangle(
            round(face.left * factor),
            round(face.top * factor),
            round((face.left + face.width) * factor),
            round((face.top + face.height) * factor),
        )
        pixels = np.asarray(image)
        with _inference_lock:
            shape = models.predictor(pixels, rectangle)
            # One jitter: the face is read once; jittering 100 times gains little for a hundred times the cost.
            descriptor = models.recognizer.compute_face_descriptor(pixels, shape, 1)
        aligned = np.asarray(dlib.get_face_chip(pixels, shape, size=150, padding=0.0)) if chip else None
        return np.asarray(descriptor, dtype=np.float32), shape, aligned


def similarity(distance: np.ndarray) -> np.ndarray:
    """0-100 from embedding distances (see STEEPNESS)."""
    return 100.0 / (1.0 + np.exp(STEEPNESS * (distance - MIDPOINT_DISTANCE)))


def best_candidates(
    embedding: np.ndarray,
    *,
    external_ids: list[str],
    face_ids: list[str],
    matrix: np.ndarray,
    threshold: float,
    max_results: int,
) -> list[Candidate]:
    """The rows of matrix at least threshold similar to embedding, best first, at most max_results."""
    if not len(external_ids):
        return []
    query = np.asarray(embedding, dtype=np.float32)
    # |row - query|² = |row|² - 2 row·query + |query|²: no n x 128 copy of the matrix.
    squared = _squared_norms(matrix) - 2.0 * (matrix @ query) + query @ query
    # Only the rows near enough to reach the threshold get a similarity: an exponential over every row
    # would cost more than the distances.
    (near,) = np.nonzero(squared <= _largest_squared_distance(threshold))
    similarities = np.round(similarity(np.sqrt(np.maximum(squared[near], 0.0)).astype(np.float64)), 2)
    kept = similarities >= threshold
    near, similarities = near[kept], similarities[kept]
    # Best first; ties keep the gallery's order, so that a search gives the same answer twice.
    order = np.lexsort((near, -similarities))[:max_results]
    return [
        Candidate(external_id=external_ids[row], face_id=face_ids[row], similarity=float(score))
        for row, score in zip(near[order], similarities[order], strict=True)
    ]


def _squared_norms(matrix: np.ndarray) -> np.ndarray:
    """|row|² of each row. A gallery hands out the same read-only matrix until the enrolled faces change
    (the database gallery builds it from bytes): its norms are kept, which spares one of the two passes
    over the rows at each search."""
    global _cached_norms
    cached = _cached_norms
    if cached is not None and cached[0]() is matrix:
        return cached[1]
    norms = np.einsum("ij,ij->i", matrix, matrix)
    if not matrix.flags.writeable:
        _cached_norms = (weakref.ref(matrix), norms)
    return norms


def _largest_squared_distance(threshold: float) -> float:
    """The squared distance past which no similarity rounds up to threshold, with a margin for float32."""
    lowest = threshold - 0.005  # what still rounds to the threshold at 2 decimals
    if lowest <= 0:
        return math.inf
    if lowest >= 100:
        return -math.inf
    distance = MIDPOINT_DISTANCE + math.log(100 / lowest - 1) / STEEPNESS
    return max(distance, 0.0) ** 2 + 1e-3


def embedding_bytes(embedding: np.ndarray) -> bytes:
    return np.asarray(embedding, dtype=EMBEDDING_DTYPE).tobytes()


def embedding_from_bytes(content: bytes) -> np.ndarray:
    """The embedding EnrolledFace.embedding holds, as a float32 vector (for a gallery's matrix rows)."""
    if len(content) != EMBEDDING_SIZE * EMBEDDING_DTYPE.itemsize:
        raise ValueError(f"An embedding is {EMBEDDING_SIZE * EMBEDDING_DTYPE.itemsize} bytes, not {len(content)}.")
    return np.frombuffer(content, dtype=EMBEDDING_DTYPE).astype(np.float32)


def _reduced(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    ratio = side / max(image.size)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)

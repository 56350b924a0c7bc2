"""Faces found in a clinical photo, to blur them (health_records asks through the PHOTO_FACE_DETECTOR setting:
it sits below this app and may not import it)."""

from faces.engine import get_engine
from faces.engine.base import DetectedFace


def face_boxes(image: bytes) -> list[DetectedFace]:
    """Every face of the photo with the engine FACES_BACKEND chooses (the local detector, or Rekognition's
    DetectFaces), as boxes in the upright photo's own pixels. FaceProblem when the bytes are not a photo."""
    return get_engine().detect(image)

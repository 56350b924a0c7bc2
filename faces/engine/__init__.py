"""Face engines: each enrols faces and finds who a photo shows. The setting FACES_BACKEND chooses one."""

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from faces.engine.base import FaceEngine, Gallery

# Modules are imported only when chosen: the local engine loads dlib and numpy, the other boto3.
ENGINES = {
    "local": ("faces.engine.local", "LocalFaceEngine"),
    "rekognition": ("faces.engine.rekognition", "RekognitionEngine"),
}


def get_engine(name: str | None = None, *, gallery: Gallery | None = None) -> FaceEngine:
    """The engine named, or the one FACES_BACKEND sets. Only the local engine searches a gallery: Rekognition
    keeps its own collection."""
    name = name or getattr(settings, "FACES_BACKEND", "local")
    if name not in ENGINES:
        raise ImproperlyConfigured(f"FACES_BACKEND is {name!r}; it must be one of {', '.join(ENGINES)}.")
    module_name, class_name = ENGINES[name]
    engine_class = getattr(importlib.import_module(module_name), class_name)
    if name == "local":
        return engine_class(gallery=gallery)
    return engine_class()

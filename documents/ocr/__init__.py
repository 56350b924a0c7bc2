"""OCR engines: each reads the lines of a page picture. The setting OCR_ENGINE chooses one."""

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from documents.ocr.base import OcrEngine

# Modules are imported only when chosen: the local engine loads onnxruntime, the other boto3.
ENGINES = {
    "local": ("documents.ocr.local", "RapidOcrEngine"),
    "textract": ("documents.ocr.textract", "TextractEngine"),
}


def get_engine(name: str | None = None) -> OcrEngine:
    name = name or getattr(settings, "OCR_ENGINE", "local")
    if name not in ENGINES:
        raise ImproperlyConfigured(f"OCR_ENGINE is {name!r}; it must be one of {', '.join(ENGINES)}.")
    module_name, class_name = ENGINES[name]
    return getattr(importlib.import_module(module_name), class_name)()

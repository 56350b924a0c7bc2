"""Run once at image build (Dockerfile): every model and font the site uses at run time is in the image and
loads: dlib's face models (face-recognition-models), the OCR models (rapidocr's ONNX files), the Heart-Code
card's fonts, and the collected static files. A missing one fails the build instead of a patient's upload."""

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")
django.setup()

from django.conf import settings  # noqa: E402

from documents.ocr.local import _recognizer  # noqa: E402
from faces.engine.local import _models  # noqa: E402
from sharing.heartcode import FONT_FILES  # noqa: E402

_models()
_recognizer()
for font in FONT_FILES.values():
    if font.read_bytes()[:4] != b"\x00\x01\x00\x00":
        sys.exit(f"{font} is not a TrueType font")
if not (settings.STATIC_ROOT / "staticfiles.json").exists():
    sys.exit("collectstatic did not run")
print("The models, the fonts and the static files are in the image.")

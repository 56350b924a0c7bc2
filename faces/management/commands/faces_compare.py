"""Compares the faces of two photos, or of each pair of photos listed in a CSV file, with the face engine
the settings choose: to try the engine on photos, or to measure it from a script (--json).

    manage.py faces_compare obama_1.jpg obama_2.jpg --json
    manage.py faces_compare --pairs pairs.csv
"""

import csv
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from faces.engine import get_engine
from faces.engine.base import FaceEngine, FaceProblem


class Command(BaseCommand):
    help = "Compares the faces of two photos (or of each pair in a CSV file) and says whether they match."

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="*", metavar="IMAGE", help="two photos to compare")
        parser.add_argument(
            "--pairs",
            type=Path,
            metavar="FILE",
            help="a CSV file of two photo paths a line, relative to the current folder",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON list, one object per pair.")

    def handle(self, *args, images: list[str], pairs: Path | None, **options):
        comparisons = photo_pairs(images, pairs)
        threshold = getattr(settings, "FACES_MATCH_THRESHOLD", 99.0)
        engine = get_engine()
        # The messages are for whoever runs the command, whatever the site's language.
        with translation.override("en"):
            results = [compared(engine, first, second, threshold) for first, second in comparisons]
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(table(results, engine_name=engine.name, threshold=threshold))


def photo_pairs(images: list[str], pairs: Path | None) -> list[tuple[str, str]]:
    if pairs is not None:
        if images:
            raise CommandError("Give either two photos or --pairs, not both.")
        return read_pairs(pairs)
    if len(images) != 2:
        raise CommandError(f"Give two photos to compare (or --pairs FILE); {len(images)} given.")
    return [(images[0], images[1])]


def read_pairs(path: Path) -> list[tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    comparisons = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        fields = [field.strip() for field in row]
        if not any(fields):
            continue
        if len(fields) != 2 or not all(fields):
            raise CommandError(f"{path}, line {number}: two photo paths were expected, separated by a comma.")
        comparisons.append((fields[0], fields[1]))
    if not comparisons:
        raise CommandError(f"{path} lists no pair of photos.")
    return comparisons


def compared(engine: FaceEngine, first: str, second: str, threshold: float) -> dict:
    """One pair's result: a photo that cannot be read or used gives an error, and does not stop the others."""
    result = {"a": first, "b": second, "similarity": None, "match": None, "error": None}
    try:
        contents = [Path(path).read_bytes() for path in (first, second)]
    except OSError as error:
        result["error"] = f"Cannot open {error.filename}: {error.strerror}"
        return result
    try:
        similarity = engine.compare(*contents)
    except FaceProblem as problem:
        result["error"] = str(problem)
        return result
    result["similarity"] = similarity
    result["match"] = similarity >= threshold
    return result


def table(results: list[dict], *, engine_name: str, threshold: float) -> str:
    width_a = max(len(result["a"]) for result in results)
    width_b = max(len(result["b"]) for result in results)
    lines = [f"Engine {engine_name}, match at a similarity of {threshold:g} or more."]
    for result in results:
        if result["error"]:
            outcome = f"error: {result['error']}"
        else:
            outcome = f"{result['similarity']:6.2f}  {'match' if result['match'] else 'no match'}"
        lines.append(f"{result['a']:{width_a}}  {result['b']:{width_b}}  {outcome}")
    return "\n".join(lines) + "\n"

"""Reads lab reports from files, as the upload does but without the database: to try the reader on a report,
or to run it from a script (--json: the list of what `labs.extraction.parser.as_json` gives, one per file).

    manage.py extract_labs lab-0001.pdf scan.jpg --json
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from documents.reading import read_document
from documents.text import UnreadableDocument
from documents.uploads import detect_content_type
from labs.extraction.parser import as_json, extract

FLAGS = {"H": "high", "L": "low", "": ""}


class Command(BaseCommand):
    help = "Reads lab reports (PDF, scan, photo) and prints their results, laboratory and sample date."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="Print a JSON list, one object per file.")

    def handle(self, *args, files, **options):
        results = [self.read(file) for file in files]
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            for result in results:
                self.stdout.write(summary(result))

    def read(self, file: str) -> dict:
        """One file's result; a file that cannot be read gives an error and does not stop the others."""
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            return {"file": file, "error": f"Cannot open the file: {error.strerror}"}
        try:
            # read_document explains which types it reads when the magic bytes are none of them.
            document = read_document(content, detect_content_type(content) or "application/octet-stream")
        except UnreadableDocument as unreadable:
            return {"file": file, "error": str(unreadable)}
        return as_json(extract(document), file=file, engine=document.engine)


def summary(result: dict) -> str:
    if "error" in result:
        return f"{result['file']}: {result['error']}\n"
    lines = [
        f"{result['file']} (read with {result['engine']})",
        f"  Laboratory: {result['laboratory']['value'] or '?'}",
        f"  Sampled on: {result['sampled_on']['value'] or '?'}",
    ]
    for observation in result["observations"]:
        lines.append(f"  - {observation['analyte']} [LOINC {observation['loinc']}]: {observation_summary(observation)}")
    if not result["observations"]:
        lines.append("  No result found.")
    lines.extend(f"  ! {warning}" for warning in result["warnings"])
    return "\n".join(lines) + "\n"


def observation_summary(observation: dict) -> str:
    text = f"{observation['comparator']}{observation['value']} {observation['unit']}".rstrip()
    low, high = observation["reference_low"], observation["reference_high"]
    if low is not None and high is not None:
        text += f" (reference {low}-{high})"
    elif high is not None:
        text += f" (reference < {high})"
    elif low is not None:
        text += f" (reference > {low})"
    if observation["flag"]:
        text += f" {FLAGS[observation['flag']]}"
    previous = observation["previous"]
    if previous:
        text += f"; previously {previous['value']} {previous['unit']}".rstrip()
        if previous["date"]:
            text += f" on {previous['date']}"
    if observation["doubtful"]:
        text += "  [doubtful]"
    return text

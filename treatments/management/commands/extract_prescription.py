"""Reads prescriptions from files, as the upload does but without the database: to try the reader on a document,
or to run it from a script (--json).

    manage.py extract_prescription rx-0001.pdf scan.jpg --json
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from documents.reading import read_document
from documents.text import UnreadableDocument
from documents.uploads import detect_content_type
from treatments.extraction.parser import as_json, extract

MOMENT_LABELS = {"morning": "matin", "noon": "midi", "evening": "soir", "bedtime": "coucher"}


class Command(BaseCommand):
    help = "Reads prescriptions (PDF, scan, photo) and prints their medications, prescriber and date."

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
    prescriber = result["prescriber"]
    lines = [
        f"{result['file']} (read with {result['engine']})",
        f"  Prescriber: {prescriber['name'] or '?'} (RPPS {prescriber['rpps'] or '?'})",
        f"  Date: {result['date'] or '?'}",
    ]
    for medication in result["medications"]:
        lines.append(f"  - {medication['name']}  [CIS {medication['cis']}, {medication['substance'] or '?'}]")
        lines.append(f"      {posology_summary(medication)}  (confidence {medication['confidence']:.2f})")
    if not result["medications"]:
        lines.append("  No medication found.")
    lines.extend(f"  ! {warning}" for warning in result["warnings"])
    return "\n".join(lines) + "\n"


def posology_summary(medication: dict) -> str:
    parts = [f"{medication['dose']} {medication['unit']}" if medication["dose"] is not None else "dose ?"]
    parts.append(", ".join(MOMENT_LABELS[period] for period in medication["periods"]) or "—")
    if medication["as_needed"]:
        parts.append("si besoin")
    if medication["duration_days"]:
        parts.append(f"{medication['duration_days']} jours")
    if medication["renewals"]:
        parts.append(f"à renouveler {medication['renewals']} fois")
    if medication["instructions"]:
        parts.append(medication["instructions"])
    return " · ".join(parts)

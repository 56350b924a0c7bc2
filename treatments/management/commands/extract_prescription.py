"""Reads prescriptions from files, as the upload does but without the database: to try the reader on a document,
or to run it from a script (--json).

    manage.py extract_prescription rx-0001.pdf scan.jpg --json
"""

from documents.commands import ReadingCommand
from treatments.extraction.rereading import proposal

MOMENT_LABELS = {"morning": "matin", "noon": "midi", "evening": "soir", "bedtime": "coucher"}
ZONE_LABELS = {"ald": "zone ALD", "other": "hors ALD"}


class Command(ReadingCommand):
    help = "Reads prescriptions (PDF, scan, photo) and prints their medications, prescriber and date."

    def result(self, document, *, file: str) -> dict:
        # As a reading does: doubtful lines of a photo read again, the hard ones marked.
        return proposal(document, file=file)

    def summary(self, result: dict) -> str:
        prescriber = result["prescriber"]
        lines = [
            f"{result['file']} (read with {result['engine']})",
            f"  Prescriber: {prescriber['name'] or '?'} (RPPS {prescriber['rpps'] or '?'})",
            f"  Date: {result['date'] or '?'}",
        ]
        for medication in result["medications"]:
            zone = f"  ({ZONE_LABELS[medication['zone']]})" if medication["zone"] else ""
            lines.append(f"  - {medication['name']}  [CIS {medication['cis']}, {medication['substance'] or '?'}]{zone}")
            lines.append(f"      {posology_summary(medication)}  (confidence {medication['confidence']:.2f})")
            lines.extend(f"      hard to read: {hard['text']!r}" for hard in medication["hard_lines"])
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

"""Reads lab reports from files, as the upload does but without the database: to try the reader on a report,
or to run it from a script (--json: the list of what `labs.extraction.parser.as_json` gives, one per file).

    manage.py extract_labs lab-0001.pdf scan.jpg --json
"""

from documents.commands import ReadingCommand
from labs.extraction.parser import as_json, extract

FLAGS = {"H": "high", "L": "low", "": ""}


class Command(ReadingCommand):
    help = "Reads lab reports (PDF, scan, photo) and prints their results, laboratory and sample date."

    def result(self, document, *, file: str) -> dict:
        return as_json(extract(document), file=file, engine=document.engine)

    def summary(self, result: dict) -> str:
        lines = [
            f"{result['file']} (read with {result['engine']})",
            f"  Laboratory: {result['laboratory']['value'] or '?'}",
            f"  Sampled on: {result['sampled_on']['value'] or '?'}",
        ]
        for observation in result["observations"]:
            named = f"{observation['analyte']} [LOINC {observation['loinc']}]"
            lines.append(f"  - {named}: {observation_summary(observation)}")
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

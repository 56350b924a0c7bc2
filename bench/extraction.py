"""Prescription reading benchmark: the whole pipeline (read_document + extract) against what a pharmacist reads.

For the PDFs, the scans (.jpg) and the phone photos (-photo.jpeg) separately, prints the precision and recall
of the medications found, the share of the truth's medications read fully right (strength, periods, duration
and "as needed" all right), and the seconds per page (median and max). It prints each file as it goes: OCR
may take a while.

    .venv/bin/python bench/extraction.py [/path/to/prescriptions]

An extracted medication is the truth's when:
- it is the same speciality (same CIS); or
- it has the truth's brand and strength: the BDPM lists one brand under several CIS that a line cannot tell
  apart ("SMECTA 3 g" comes in two flavours, "SEROPLEX 10 mg" in two packagings); or
- the line names the substance, not the brand ("Prégabaline 50 mg gélule"), and the medication has the truth's
  substance and strength: which manufacturer's generic the truth names is not on the page.
Strengths are compared by their amounts with units, masses in mg ("1 g" is "1000 mg"; "30 mg/ml" has 30 mg).
Each truth medication is matched at most once.
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from documents.reading import read_document
from documents.text import UnreadableDocument
from treatments import lexicon
from treatments.extraction.parser import ExtractedMedication, extract

PRESCRIPTIONS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "prescriptions"
KINDS = {"pdf": ("PDFs", "application/pdf"), "scan": ("scans", "image/jpeg"), "photo": ("photos", "image/jpeg")}
TARGETS = {"pdf": 0.97, "scan": 0.93, "photo": 0.90}
MIN_PRECISION = 0.98
AMOUNT = re.compile(r"(\d+(?:\.\d+)?) (mg|g|microgrammes?|ug|mcg|ml|ui)\b")


def kind_of(path: Path) -> str | None:
    if path.name.endswith("-photo.jpeg"):
        return "photo"
    return {".pdf": "pdf", ".jpg": "scan"}.get(path.suffix)


def amounts(strength: str) -> frozenset[tuple[float, str]]:
    return frozenset(
        (round(float(value) * lexicon.MASS_UNITS_IN_MG[unit], 6), "mg")
        if unit in lexicon.MASS_UNITS_IN_MG
        else (float(value), unit)
        for value, unit in AMOUNT.findall(lexicon.fold(strength))
    )


def same_strength(extracted: ExtractedMedication, truth: dict) -> bool:
    return extracted.cis == truth["cis"] or bool(amounts(truth["strength"]) & amounts(extracted.strength))


def is_truth(extracted: ExtractedMedication, truth: dict) -> bool:
    if extracted.cis == truth["cis"]:
        return True
    if not same_strength(extracted, truth):
        return False
    drug = lexicon.get(extracted.cis)
    if lexicon.fold(drug.brand) == lexicon.fold(truth["brand"]):
        return True
    brand_written = set(lexicon.fold(truth["brand"]).split()) <= set(lexicon.fold(truth["label"]).split())
    truth_drug = lexicon.get(truth["cis"])
    truth_substances = truth_drug.substances if truth_drug else truth["dci"]
    return not brand_written and lexicon.fold(extracted.substance) == lexicon.fold(truth_substances)


def fully_right(extracted: ExtractedMedication, truth: dict) -> bool:
    return (
        same_strength(extracted, truth)
        and extracted.periods == truth["periods"]
        and extracted.duration_days == truth["duration_days"]
        and extracted.as_needed == truth["as_needed"]
    )


def score(medications: list[ExtractedMedication], truths: list[dict]) -> tuple[int, int]:
    """(medications that are one of the truth's, truth medications read fully right)."""
    unmatched = list(truths)
    correct = right = 0
    for medication in medications:
        truth = next((truth for truth in unmatched if is_truth(medication, truth)), None)
        if truth is None:
            print(f"    not in the truth: {medication.name!r} -> {lexicon.get(medication.cis).name}")
            continue
        unmatched.remove(truth)
        correct += 1
        if fully_right(medication, truth):
            right += 1
        else:
            print(f"    not fully right: {medication.name!r}: {describe(medication)}; truth {describe(truth)}")
    for truth in unmatched:
        print(f"    missed: {truth['label']!r}")
    return correct, right


def describe(medication) -> str:
    values = medication if isinstance(medication, dict) else vars(medication)
    return ", ".join(f"{key}={values[key]}" for key in ("strength", "periods", "duration_days", "as_needed"))


class Tally:
    def __init__(self):
        self.extracted = self.correct = self.truths = self.right = 0
        self.seconds_per_page = []

    def report(self, label: str, kind: str) -> str:
        precision = self.correct / self.extracted if self.extracted else 1.0
        recall = self.correct / self.truths if self.truths else 1.0
        right = self.right / self.truths if self.truths else 1.0
        met = precision >= MIN_PRECISION and right >= TARGETS[kind]
        pages = self.seconds_per_page or [0.0]
        return (
            f"{label:7} precision {precision:.3f}  recall {recall:.3f}  fully right {right:.3f} "
            f"(target {TARGETS[kind]:.2f})  s/page median {statistics.median(pages):.2f} max {max(pages):.2f}  "
            f"{'ok' if met else 'BELOW TARGET'}"
        )


def run(folder: Path) -> dict[str, Tally]:
    truths = {entry["id"]: entry["medications"] for entry in json.loads((folder / "truth.json").read_text())}
    tallies = {kind: Tally() for kind in KINDS}
    for path in sorted(folder.iterdir()):
        kind = kind_of(path)
        prescription = path.name.removesuffix("-photo.jpeg").removesuffix(path.suffix)
        if kind is None or prescription not in truths:
            continue
        tally = tallies[kind]
        started = time.perf_counter()
        try:
            document = read_document(path.read_bytes(), KINDS[kind][1])
        except UnreadableDocument as unreadable:
            print(f"{path.name}: unreadable ({unreadable})", flush=True)
            tally.truths += len(truths[prescription])
            continue
        medications = extract(document).medications
        seconds = time.perf_counter() - started
        tally.seconds_per_page.append(seconds / max(len(document.pages), 1))
        print(f"{path.name}: {len(medications)} medications, {seconds:.2f} s ({document.engine})", flush=True)
        correct, right = score(medications, truths[prescription])
        tally.extracted += len(medications)
        tally.correct += correct
        tally.truths += len(truths[prescription])
        tally.right += right
    return tallies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PRESCRIPTIONS)
    arguments = parser.parse_args()
    tallies = run(arguments.folder)
    print()
    for kind, (label, _) in KINDS.items():
        print(tallies[kind].report(label, kind))


if __name__ == "__main__":
    main()

"""Prescription reading benchmark: the whole pipeline (read_document, doubtful lines read again, extract) against what
a pharmacist reads.

For the PDFs, the scans (.jpg), the phone photos (-photo.jpeg), the poor phone photos (-poor.jpeg, from
bench/rxgen.py) and the same poor photos through a phone's processing ("phone": -poor-processed.jpeg)
separately, prints the precision and recall of the medications found, the share of the truth's medications read
fully right (strength, periods, duration and "as needed" all right), and the seconds per page
(median and max). Where the truth has them (bench/rxgen.py writes them), it also prints the share of the
medications found whose zone of a two-zone (ALD) prescription was read right (`zone`: "", "ald" or "other"),
and the share of prescriptions whose e-prescription identifier (the QR code's, or none) was read right, with
the seconds that reading took. It prints each file as it goes: OCR may take a while.

    .venv/bin/python bench/extraction.py [/path/to/prescriptions] [--kinds pdf scan photo poor processed]

An extracted medication is the truth's when:
- it is the same speciality (same CIS); or
- it has the truth's brand and strength: the BDPM lists one brand under several CIS that a line cannot tell
  apart ("SMECTA 3 g" comes in two flavours, "SEROPLEX 10 mg" in two packagings); or
- the line names the substance, not the brand ("Prégabaline 50 mg gélule"), and the medication has the truth's
  substance (whatever its salt: "bisoprolol", "hémifumarate de bisoprolol") and strength: which manufacturer's
  generic the truth names is not on the page.
Strengths are compared by their amounts with units, masses in mg ("1 g" is "1000 mg"; "30 mg/ml" has 30 mg;
"2 %" is "2%").
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

from documents.eprescription import identifier_in
from documents.ocr import get_engine
from documents.reading import read_document
from documents.text import UnreadableDocument
from treatments import lexicon
from treatments.extraction.parser import ExtractedMedication, extract
from treatments.extraction.rereading import extract_rereading

PRESCRIPTIONS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "prescriptions"
KINDS = {
    "pdf": ("PDFs", "application/pdf"),
    "scan": ("scans", "image/jpeg"),
    "photo": ("photos", "image/jpeg"),
    "poor": ("poor", "image/jpeg"),
    "processed": ("phone", "image/jpeg"),
}
TARGETS = {"pdf": 0.97, "scan": 0.93, "photo": 0.90, "poor": 0.90, "processed": 0.90}
MIN_PRECISION = {"pdf": 0.98, "scan": 0.98, "photo": 0.98, "poor": 0.99, "processed": 0.99}
SUFFIXES = {
    "-photo.jpeg": "photo",
    "-poor.jpeg": "poor",
    "-poor-processed.jpeg": "processed",
    ".pdf": "pdf",
    ".jpg": "scan",
}
AMOUNT = re.compile(r"(\d+(?:\.\d+)?) (mg|g|microgrammes?|ug|mcg|ml|ui|pct)\b")
PERCENT = re.compile(r"\s*(?:%|pour cent)", re.IGNORECASE)
# Words of a substance's name that do not change which substance it is: its salt ("hémifumarate de
# bisoprolol", "bisoprolol") and the BDPM's two word orders ("tamsulosine (chlorhydrate de)").
SALT_WORDS = lexicon.SALT_WORDS | {"de", "d", "dichlorhydrate", "hemifumarate", "cilexetil"}
# Nor how much water it is made up with: the BDPM names one maker's phloroglucinol "PHLOROGLUCINOL HYDRATÉ", another's
# "PHLOROGLUCINOL"; "Phloroglucinol 80 mg" is either.
HYDRATE = re.compile(r"[a-z]*hydratee?")


def kind_of(path: Path) -> tuple[str, str] | None:
    """(kind, prescription id) of a file of the set, or None."""
    for suffix, kind in SUFFIXES.items():
        if path.name.endswith(suffix):
            return kind, path.name.removesuffix(suffix)
    return None


def amounts(strength: str) -> frozenset[tuple[float, str]]:
    strength = PERCENT.sub(" pct", strength)  # "2 %", "2%", "2 POUR CENT" are one strength
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
    return not brand_written and substance_words(extracted.substance) == substance_words(truth_substances)


def substance_words(substances: str) -> frozenset[str]:
    return frozenset(word for word in lexicon.fold(substances).split() if not HYDRATE.fullmatch(word)) - SALT_WORDS


def fully_right(extracted: ExtractedMedication, truth: dict) -> bool:
    return (
        same_strength(extracted, truth)
        and extracted.periods == truth["periods"]
        and extracted.duration_days == truth["duration_days"]
        and extracted.as_needed == truth["as_needed"]
    )


def score(medications: list[ExtractedMedication], truths: list[dict], tally: "Tally") -> tuple[int, int]:
    """(medications that are one of the truth's, truth medications read fully right); counts the zones read
    right into `tally` where the truth gives them."""
    unmatched = list(truths)
    correct = right = 0
    for medication in medications:
        truth = next((truth for truth in unmatched if is_truth(medication, truth)), None)
        if truth is None:
            print(f"    not in the truth: {medication.name!r} -> {lexicon.get(medication.cis).name}")
            continue
        unmatched.remove(truth)
        correct += 1
        if "zone" in truth:
            zone = getattr(medication, "zone", "")
            tally.zones += 1
            tally.zones_right += zone == truth["zone"]
            if truth["zone"]:
                tally.two_zone += 1
                tally.two_zone_right += zone == truth["zone"]
            if zone != truth["zone"]:
                print(f"    zone: {medication.name!r} read in {zone!r}, truth {truth['zone']!r}")
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
        # Zones of the medications found (where the truth has them), and of those on two-zone prescriptions.
        self.zones = self.zones_right = self.two_zone = self.two_zone_right = 0
        # E-prescription identifiers (where the truth has them), and the seconds reading each took.
        self.identifiers = self.identifiers_right = 0
        self.identifier_seconds = []

    def report(self, label: str, kind: str) -> str:
        if not self.truths:
            return f"{label:7} no files of this kind"
        precision = self.correct / self.extracted if self.extracted else 1.0
        recall = self.correct / self.truths if self.truths else 1.0
        right = self.right / self.truths if self.truths else 1.0
        met = precision >= MIN_PRECISION[kind] and right >= TARGETS[kind]
        pages = self.seconds_per_page or [0.0]
        return (
            f"{label:7} precision {precision:.3f} (min {MIN_PRECISION[kind]:.2f})  recall {recall:.3f}  "
            f"fully right {right:.3f} (target {TARGETS[kind]:.2f})  "
            f"s/page median {statistics.median(pages):.2f} max {max(pages):.2f}  {'ok' if met else 'BELOW TARGET'}"
        )

    def extras(self, label: str) -> str | None:
        """The zones and e-prescription identifiers line, or None when the truth has neither."""
        if not self.zones and not self.identifiers:
            return None
        zones = (
            f"zone right {share(self.zones_right, self.zones)} "
            f"(on two-zone prescriptions {share(self.two_zone_right, self.two_zone)})"
        )
        seconds = self.identifier_seconds or [0.0]
        identifiers = (
            f"e-prescription id right {share(self.identifiers_right, self.identifiers)} "
            f"(s median {statistics.median(seconds):.2f} max {max(seconds):.2f})"
        )
        return f"{label:7} {zones}  {identifiers}"


def share(right: int, total: int) -> str:
    return f"{right / total:.3f} ({right}/{total})" if total else "n/a"


def read_identifier(content: bytes, content_type: str, expected: str | None, tally: Tally, name: str):
    started = time.perf_counter()
    found = identifier_in(content, content_type)
    tally.identifier_seconds.append(time.perf_counter() - started)
    tally.identifiers += 1
    tally.identifiers_right += found == expected
    if found != expected:
        print(f"    e-prescription id: read {found!r}, truth {expected!r} ({name})")


def run(folder: Path, kinds: set[str]) -> dict[str, Tally]:
    entries = {entry["id"]: entry for entry in json.loads((folder / "truth.json").read_text())}
    truths = {id_: entry["medications"] for id_, entry in entries.items()}
    tallies = {kind: Tally() for kind in KINDS}
    for path in sorted(folder.iterdir()):
        kind, prescription = kind_of(path) or (None, None)
        if kind not in kinds or prescription not in truths:
            continue
        tally = tallies[kind]
        content = path.read_bytes()
        if "eprescription_id" in entries[prescription]:
            read_identifier(content, KINDS[kind][1], entries[prescription]["eprescription_id"], tally, path.name)
        started = time.perf_counter()
        try:
            document = read_document(content, KINDS[kind][1])
        except UnreadableDocument as unreadable:
            print(f"{path.name}: unreadable ({unreadable})", flush=True)
            tally.truths += len(truths[prescription])
            continue
        # As a reading does: a photo's doubtful lines are read again (treatments.extraction.rereading).
        if document.engine == "pdf-text":
            medications = extract(document).medications
        else:
            medications = extract_rereading(document, get_engine())[1].medications
        seconds = time.perf_counter() - started
        tally.seconds_per_page.append(seconds / max(len(document.pages), 1))
        print(f"{path.name}: {len(medications)} medications, {seconds:.2f} s ({document.engine})", flush=True)
        correct, right = score(medications, truths[prescription], tally)
        tally.extracted += len(medications)
        tally.correct += correct
        tally.truths += len(truths[prescription])
        tally.right += right
    return tallies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=PRESCRIPTIONS)
    parser.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="only these kinds of file (default: all)"
    )
    arguments = parser.parse_args()
    tallies = run(arguments.folder, set(arguments.kinds))
    print()
    for kind, (label, _) in KINDS.items():
        print(tallies[kind].report(label, kind))
    for kind, (label, _) in KINDS.items():
        extras = tallies[kind].extras(label)
        if extras:
            print(extras)


if __name__ == "__main__":
    main()

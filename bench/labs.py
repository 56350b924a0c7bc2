"""Lab report reading benchmark: the whole pipeline (read_document + labs extraction) against the truth of
reports made by bench/labgen.py.

For the PDFs, the scans (.jpg) and the phone photos (-photo.jpeg) separately, prints the precision and recall
of the observations found, the share of the truth's observations read fully right (analyte, comparator, value,
unit and reference range all right), the sample-date accuracy and the seconds per page (median and max). The
scans and photos show a report's first page only: they are scored against its first page's observations.

    .venv/bin/python bench/labs.py [FOLDER] [--count 30] [--seed 0] [--only pdf,scan,photo]

Without FOLDER, reports are generated into a temporary folder from the seed (development seeds are 0-99;
1000 and above are held out: run them to check that the reader was not fitted to the development reports).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from bench.labgen import generate
from documents.reading import read_document
from documents.text import UnreadableDocument
from labs.extraction.parser import as_json, extract

KINDS = {"pdf": ("PDFs", "application/pdf"), "scan": ("scans", "image/jpeg"), "photo": ("photos", "image/jpeg")}
TARGETS = {"pdf": 0.97, "scan": 0.93, "photo": 0.90}
MIN_PRECISION = 0.99


def kind_of(path: Path) -> str | None:
    if path.name.endswith("-photo.jpeg"):
        return "photo"
    return {".pdf": "pdf", ".jpg": "scan"}.get(path.suffix)


def same_number(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(a) == Decimal(b)


def fully_right(found: dict, truth: dict) -> bool:
    return (
        same_number(found["value"], truth["value"])
        and found["unit"] == truth["unit"]
        and same_number(found["reference_low"], truth["reference_low"])
        and same_number(found["reference_high"], truth["reference_high"])
        and found["flag"] == truth["flag"]
    )


class Tally:
    def __init__(self):
        self.extracted = self.correct = self.truths = self.right = 0
        self.dates = self.dates_right = 0
        self.seconds_per_page: list[float] = []

    def report(self, label: str, kind: str) -> str:
        precision = self.correct / self.extracted if self.extracted else 1.0
        recall = self.correct / self.truths if self.truths else 1.0
        right = self.right / self.truths if self.truths else 1.0
        dates = self.dates_right / self.dates if self.dates else 1.0
        met = precision >= MIN_PRECISION and right >= TARGETS[kind]
        pages = self.seconds_per_page or [0.0]
        return (
            f"{label:7} precision {precision:.3f}  recall {recall:.3f}  fully right {right:.3f} "
            f"(target {TARGETS[kind]:.2f})  sample date {dates:.3f}  "
            f"s/page median {statistics.median(pages):.2f} max {max(pages):.2f}  {'ok' if met else 'BELOW TARGET'}"
        )


def score(result: dict, truths: list[dict], tally: Tally, verbose: bool) -> None:
    unmatched = list(truths)
    for found in result["observations"]:
        truth = next((truth for truth in unmatched if truth["loinc"] == found["loinc"]), None)
        tally.extracted += 1
        if truth is None or not same_number(found["value"], truth["value"]):
            if verbose:
                print(f"    wrong: {found['loinc']} {found['value']} {found['unit']}  <- {found['line']!r}")
            continue
        unmatched.remove(truth)
        tally.correct += 1
        if fully_right(found, truth):
            tally.right += 1
        elif verbose:
            print(
                f"    not fully right: {found['loinc']} read {found['value']} {found['unit']} "
                f"[{found['reference_low']}, {found['reference_high']}] {found['flag']!r}; truth {truth['value']} "
                f"{truth['unit']} [{truth['reference_low']}, {truth['reference_high']}] {truth['flag']!r}"
                f"  <- {found['line']!r}"
            )
    for truth in unmatched:
        if verbose:
            print(f"    missed: {truth['loinc']} {truth['value']} {truth['unit']}")
    tally.truths += len(truths)


def run(folder: Path, kinds: list[str], verbose: bool = True) -> dict[str, Tally]:
    truths = {entry["id"]: entry for entry in json.loads((folder / "truth.json").read_text())}
    tallies = {kind: Tally() for kind in KINDS}
    for path in sorted(folder.iterdir()):
        kind = kind_of(path)
        report = path.name.removesuffix("-photo.jpeg").removesuffix(path.suffix)
        if kind not in kinds or report not in truths:
            continue
        truth = truths[report]
        observations = [o for o in truth["observations"] if kind == "pdf" or o["page"] == 1]
        tally = tallies[kind]
        started = time.perf_counter()
        try:
            document = read_document(path.read_bytes(), KINDS[kind][1])
        except UnreadableDocument as unreadable:
            print(f"{path.name}: unreadable ({unreadable})", flush=True)
            tally.truths += len(observations)
            tally.dates += 1
            continue
        result = as_json(extract(document))
        seconds = time.perf_counter() - started
        tally.seconds_per_page.append(seconds / max(len(document.pages), 1))
        print(
            f"{path.name} ({truth['layout']}): {len(result['observations'])}/{len(observations)} observations, "
            f"{seconds:.2f} s ({document.engine})",
            flush=True,
        )
        score(result, observations, tally, verbose)
        tally.dates += 1
        if result["sampled_on"]["value"] == truth["sampled_on"]:
            tally.dates_right += 1
        elif verbose:
            print(f"    sample date {result['sampled_on']['value']} (truth {truth['sampled_on']})")
    return tallies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="pdf,scan,photo")
    parser.add_argument("--quiet", action="store_true")
    arguments = parser.parse_args()
    folder = arguments.folder
    if folder is None or not (folder / "truth.json").exists():
        folder = folder or Path(tempfile.mkdtemp(prefix="relyfe-labs-"))
        generate(folder, arguments.count, arguments.seed)
    kinds = arguments.only.split(",")
    tallies = run(folder, kinds, verbose=not arguments.quiet)
    print()
    for kind, (label, _) in KINDS.items():
        if kind in kinds:
            print(tallies[kind].report(label, kind))


if __name__ == "__main__":
    main()

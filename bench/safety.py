"""Safety checks benchmark: the checks over the shared prescriptions, with random allergy profiles.

For each prescription of truth.json, its medications are checked (as a reading proposes them: CIS, dose, unit,
moments) three ways:
- with a random allergy profile (one or two classes of drugs, one substance taken from the whole set): alerts
  per prescription, by kind;
- with a clean profile: one to three substance allergies drawn among the other prescriptions' substances that
  are not this one's (by the truth's DCI words), plus latex. An allergy alert there is a false alarm; the other
  alerts (doses, duplicates, interactions) do not depend on the profile and are listed for review;
- timed: the median time of one check per medication, tables loaded (and the first check, which loads them).

    .venv/bin/python bench/safety.py [--seed 19] [--repeat 200] [/path/to/prescriptions]
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from django.utils import translation

from treatments.lexicon import fold
from treatments.models import Allergy, DrugClass
from treatments.safety import Candidate, Code, check

PRESCRIPTIONS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "prescriptions"
GOAL_MILLISECONDS_PER_MEDICATION = 5


def candidates_of(prescription: dict) -> list[Candidate]:
    return [
        Candidate.from_values(
            {
                "name": medication["label"],
                "cis": medication["cis"],
                "dose": medication["dose"],
                "unit": medication["unit"],
                "periods": medication["periods"],
                "as_needed": medication["as_needed"],
            },
            ref=str(number),
        )
        for number, medication in enumerate(prescription["medications"])
    ]


def words_of(prescription: dict) -> set[str]:
    return {word for medication in prescription["medications"] for word in fold(medication["dci"]).split()}


def random_profile(rng: random.Random, substances: list[str]) -> list[Allergy]:
    classes = rng.sample([value for value in DrugClass.values if value != DrugClass.LATEX], rng.randint(1, 2))
    allergies = [Allergy(drug_class=value, label=value) for value in classes]
    substance = rng.choice(substances)
    return [*allergies, Allergy(substance=substance, label=substance)]


def clean_profile(rng: random.Random, prescription: dict, substances: list[str]) -> list[Allergy]:
    own = words_of(prescription)
    others = [substance for substance in substances if not set(fold(substance).split()) & own]
    chosen = rng.sample(others, rng.randint(1, 3))
    return [
        *(Allergy(substance=substance, label=substance) for substance in chosen),
        Allergy(drug_class=DrugClass.LATEX, label="Latex"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=PRESCRIPTIONS)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--repeat", type=int, default=200)
    arguments = parser.parse_args()
    translation.activate("fr")
    prescriptions = json.loads((arguments.folder / "truth.json").read_text(encoding="utf-8"))
    substances = sorted(
        {medication["dci"] for prescription in prescriptions for medication in prescription["medications"]}
    )
    rng = random.Random(arguments.seed)  # noqa: S311  # nosec B311  # reproducible profiles, not a secret

    started = time.perf_counter()
    check(candidates_of(prescriptions[0]), current=[], allergies=random_profile(rng, substances))
    first_check = time.perf_counter() - started

    random_alerts: Counter[str] = Counter()
    clean_alerts: Counter[str] = Counter()
    false_alarms = 0
    medications = 0
    timings = []
    review = []
    for prescription in prescriptions:
        candidates = candidates_of(prescription)
        medications += len(candidates)
        found = check(candidates, current=[], allergies=random_profile(rng, substances))
        codes = [warning.code for warnings in found.values() for warning in warnings]
        random_alerts.update(codes)
        clean = check(candidates, current=[], allergies=clean_profile(rng, prescription, substances))
        for ref, warnings in clean.items():
            for warning in warnings:
                clean_alerts[warning.code] += 1
                if warning.code == Code.ALLERGY:
                    false_alarms += 1
                review.append(f"  {prescription['id']} {candidates[int(ref)].name}: {warning.message}")
        started = time.perf_counter()
        for _ in range(arguments.repeat):
            check(candidates, current=[], allergies=random_profile(rng, substances))
        timings.append((time.perf_counter() - started) / arguments.repeat / len(candidates) * 1000)

    count = len(prescriptions)
    print(f"{count} prescriptions, {medications} medications")
    print(f"random allergy profiles: {sum(random_alerts.values()) / count:.2f} alerts per prescription")
    for code in Code:
        print(f"  {code}: {random_alerts[code]}")
    print(f"clean profiles: {sum(clean_alerts.values()) / count:.2f} alerts per prescription")
    for code in Code:
        print(f"  {code}: {clean_alerts[code]}")
    print(f"false allergy alarms on clean profiles: {false_alarms}")
    print("alerts on clean profiles (to review):")
    print("\n".join(review) or "  none")
    median = statistics.median(timings)
    print(
        f"time per medication checked: median {median:.3f} ms, max {max(timings):.3f} ms "
        f"(goal < {GOAL_MILLISECONDS_PER_MEDICATION} ms); first check, loading the tables: {first_check * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()

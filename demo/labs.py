"""Alice's demo lab results: four blood tests over two years, and the values of the annual one in her history,
so that the lab results pages show trends (HbA1c climbing above its range, creatinine from two laboratories in
µmol/L and in mg/L, LDL cholesterol, TSH) without reading a file.

The values are written as a confirmed reading would leave them; their records have no file, so that nothing
is read (OCR) when the demo is created."""

from datetime import date, timedelta
from decimal import Decimal

from health_records import services
from health_records.models import HealthRecord
from labs import analytes
from labs.models import Observation

HBA1C, GLUCOSE, CREATININE, LDL, TSH = "4548-4", "15074-8", "2160-0", "13457-7", "3016-3"
# (label as printed, LOINC, unit, reference low, reference high) of each laboratory's report line.
LINES = {
    "hba1c": ("Hémoglobine glyquée (HbA1c)", HBA1C, "%", "4.0", "6.0"),
    "creatinine_umol": ("Créatinine", CREATININE, "µmol/L", "45", "90"),
    "creatinine_mg": ("Créatininémie", CREATININE, "mg/L", "5.1", "10.2"),
    "ldl": ("Cholestérol LDL calculé", LDL, "g/L", None, "1.60"),
    "tsh": ("TSH ultrasensible", TSH, "mUI/L", "0.4", "4.0"),
    "glucose": ("Glycémie à jeun", GLUCOSE, "g/L", "0.70", "1.10"),
}
# (days ago, laboratory, [(line, value)]) of each blood test, oldest first.
TESTS = [
    (700, "Laboratoire Bioclinic Lyon 3", [("hba1c", "5.7"), ("creatinine_umol", "68"), ("tsh", "5.8")]),
    (
        520,
        "Cerballiance Villeurbanne",
        [("hba1c", "5.9"), ("creatinine_mg", "7.9"), ("ldl", "1.72"), ("tsh", "3.1")],
    ),
    (330, "Laboratoire Bioclinic Lyon 3", [("hba1c", "6.3"), ("creatinine_umol", "74"), ("tsh", "2.4")]),
    (160, "Cerballiance Villeurbanne", [("hba1c", "6.6"), ("creatinine_mg", "8.6"), ("ldl", "1.48"), ("tsh", "1.7")]),
]
# The annual blood test of alice's history (demo/records.py: its PDF prints these).
ANNUAL_TEST = [("glucose", "0.92"), ("ldl", "1.31"), ("tsh", "1.9")]


def _unified(loinc: str, value: Decimal, unit: str) -> Decimal | None:
    analyte = analytes.get(loinc)
    if analyte is None:
        return None
    return value if unit == analyte.unit else analytes.to_unit(analyte, value, unit)


def _observations(alice, record: HealthRecord, day: date, laboratory: str, values) -> list[Observation]:
    observations = []
    for line, written in values:
        label, loinc, unit, low, high = LINES[line]
        value = Decimal(written)
        low_bound = None if low is None else Decimal(low)
        high_bound = None if high is None else Decimal(high)
        flag = "H" if high_bound is not None and value > high_bound else ""
        flag = "L" if low_bound is not None and value < low_bound else flag
        observations.append(
            Observation(
                patient=alice,
                record=record,
                loinc=loinc,
                label=label,
                value=value,
                unit=unit,
                unified_value=_unified(loinc, value, unit),
                reference_low=low_bound,
                reference_high=high_bound,
                flag=flag,
                sampled_on=day,
                laboratory=laboratory,
                created_by=alice,
            )
        )
    return observations


def create_alice_lab_results(*, alice, today: date) -> int:
    """Creates alice's lab values once (with their records); when she has some, the demo keeps them."""
    if Observation.objects.filter(patient=alice).exists():
        return 0
    observations = []
    for days_ago, laboratory, values in TESTS:
        day = today - timedelta(days=days_ago)
        record = services.health_record_create_with_site(
            actor=alice,
            patient=alice,
            kind="lab_result",
            title="Bilan sanguin",
            clinical_date=day,
            description=f"{laboratory}.",
            tags=["bilan"],
            uploads=[],
        )
        observations += _observations(alice, record, day, laboratory, values)
    annual = HealthRecord.objects.filter(patient=alice, kind="lab_result", title="Bilan sanguin annuel").first()
    if annual is not None:
        observations += _observations(alice, annual, annual.clinical_date, "Laboratoire Bioclinic Lyon 3", ANNUAL_TEST)
    Observation.objects.bulk_create(observations)
    return len(observations)

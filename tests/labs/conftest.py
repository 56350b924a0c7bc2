import datetime
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from access.models import Scope
from tests.factories import GrantFactory, HealthRecordFactory, ObservationFactory, ProfessionalFactory

TODAY = datetime.date(2026, 11, 30)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def lab_file(alice):
    """Alice's lab results over two years, in two records, and an X-ray: HbA1c three times (the last one
    high), creatinine in µmol/L, in mg/L (converted) and once in mmol/L (which does not convert), and a
    value of an analyte the table does not know."""
    spring = HealthRecordFactory(
        patient=alice, kind="lab_result", title="Bilan printemps 2025", clinical_date=datetime.date(2025, 3, 10)
    )
    autumn = HealthRecordFactory(
        patient=alice, kind="lab_result", title="Bilan automne 2026", clinical_date=datetime.date(2026, 10, 5)
    )
    xray = HealthRecordFactory(patient=alice, kind="imaging", title="Radio du genou")

    def value(record, day, **fields):
        """A value as a confirmed reading leaves it: its flag from its range, unified when its unit is the
        analyte's (%, by default)."""
        fields = {
            "loinc": "4548-4",
            "label": "Hémoglobine glyquée (HbA1c)",
            "unit": "%",
            "reference_low": Decimal("4.0"),
            "reference_high": Decimal("6.0"),
            "laboratory": "Laboratoire Bioclinic",
            **fields,
        }
        fields.setdefault("unified_value", fields["value"])
        low, high, number = fields["reference_low"], fields["reference_high"], fields["value"]
        fields.setdefault(
            "flag", "H" if high is not None and number > high else "L" if low is not None and number < low else ""
        )
        return ObservationFactory(patient=alice, record=record, sampled_on=day, **fields)

    creatinine = {
        "loinc": "2160-0",
        "label": "Créatinine",
        "reference_low": Decimal("45"),
        "reference_high": Decimal("90"),
    }
    return {
        "spring": spring,
        "autumn": autumn,
        "xray": xray,
        "hba1c": [
            value(spring, datetime.date(2024, 12, 1), value=Decimal("5.6")),
            value(spring, datetime.date(2025, 3, 10), value=Decimal("5.9")),
            value(autumn, datetime.date(2026, 10, 5), value=Decimal("6.8"), laboratory="Cerballiance Lyon"),
        ],
        "creatinine": [
            value(spring, datetime.date(2025, 3, 10), value=Decimal("72"), unit="µmol/L", **creatinine),
            value(
                autumn,
                datetime.date(2026, 10, 5),
                value=Decimal("8.5"),
                unit="mg/L",
                unified_value=Decimal("75.14"),
                **{**creatinine, "reference_low": Decimal("5.1"), "reference_high": Decimal("10.2")},
            ),
            value(
                autumn,
                datetime.date(2026, 10, 6),
                value=Decimal("0.07"),
                unit="mmol/L",
                unified_value=None,
                **{**creatinine, "reference_low": None, "reference_high": None},
            ),
        ],
        "other": value(
            autumn,
            datetime.date(2026, 10, 5),
            loinc="",
            label="Vitamine D (25-OH)",
            value=Decimal("18"),
            unit="ng/mL",
            unified_value=None,
            reference_low=Decimal("30"),
            reference_high=Decimal("100"),
        ),
    }


@pytest.fixture
def kate(alice):
    """A radiologist who sees alice's imaging only."""
    kate = ProfessionalFactory(email="kate@example.org", first_name="Kate")
    GrantFactory(patient=alice, professional=kate, kinds=["imaging"])
    return kate


@pytest.fixture
def lena(alice):
    """A biologist who sees alice's lab results (the kind), and nothing else."""
    lena = ProfessionalFactory(email="lena@example.org", first_name="Lena")
    GrantFactory(patient=alice, professional=lena, kinds=["lab_result"])
    return lena


@pytest.fixture
def rob(alice, lab_file):
    """A doctor alice showed her spring lab results only."""
    rob = ProfessionalFactory(email="rob@example.org", first_name="Rob")
    GrantFactory(patient=alice, professional=rob, scope=Scope.RECORDS, records=[lab_file["spring"]])
    return rob

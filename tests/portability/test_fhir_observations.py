"""Lab values in the export: one FHIR Observation each, valid R4, with LOINC, UCUM, range and flag, linked to
the record's DocumentReference."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from portability import fhir_map, fhir_read
from tests.factories import GrantFactory, HealthRecordFactory, ObservationFactory
from tests.portability.test_fhir_map import bundle_of, resources

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_values(alice):
    record = HealthRecordFactory(
        patient=alice, kind="lab_result", title="Bilan", clinical_date=datetime.date(2026, 3, 2)
    )
    return {
        "record": record,
        "tsh": ObservationFactory(
            patient=alice,
            record=record,
            loinc="3016-3",
            label="TSH ultrasensible",
            value=Decimal("5.2"),
            unified_value=Decimal("5.2"),
            flag="H",
            unit="mUI/L",
            reference_low=Decimal("0.4"),
            reference_high=Decimal("4.0"),
            sampled_on=datetime.date(2026, 3, 2),
            laboratory="Cerballiance Lyon",
        ),
        "creatinine": ObservationFactory(
            patient=alice,
            record=record,
            loinc="2160-0",
            label="Créatinine",
            comparator="<",
            value=Decimal("40"),
            unified_value=Decimal("40"),
            unit="µmol/L",
            reference_low=Decimal("45"),
            reference_high=None,
            flag="L",
            sampled_on=datetime.date(2026, 3, 2),
        ),
        "unknown": ObservationFactory(
            patient=alice,
            record=record,
            loinc="",
            label="Index rare",
            value=Decimal("6.1"),
            unified_value=None,
            flag="",
            unit="u.a.",
            reference_low=None,
            reference_high=None,
        ),
    }


def observation_of(bundle, observation):
    return next(
        resource
        for resource in resources(bundle, "Observation")
        if resource.get("identifier", [{}])[0].get("value") == str(observation.public_id)
    )


def test_each_lab_value_is_a_valid_fhir_observation(alice, lab_values):
    bundle = bundle_of(alice, alice)

    fhir_map.validated(bundle)  # raises if not valid R4
    tsh = observation_of(bundle, lab_values["tsh"])
    assert tsh["identifier"][0]["system"] == "https://relyfe.fr/fhir/observation"
    assert tsh["status"] == "final"
    assert tsh["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "laboratory",
        "display": "Laboratory",
    }
    assert tsh["code"] == {
        "coding": [{"system": "http://loinc.org", "code": "3016-3", "display": "Thyrotropin (TSH)"}],
        "text": "TSH ultrasensible",
    }
    assert tsh["valueQuantity"] == {
        "value": 5.2,
        "unit": "mUI/L",
        "system": "http://unitsofmeasure.org",
        "code": "m[IU]/L",
    }
    assert tsh["referenceRange"] == [
        {
            "low": {"value": 0.4, "unit": "mUI/L", "system": "http://unitsofmeasure.org", "code": "m[IU]/L"},
            "high": {"value": 4, "unit": "mUI/L", "system": "http://unitsofmeasure.org", "code": "m[IU]/L"},
        }
    ]
    assert tsh["interpretation"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "code": "H",
        "display": "High",
    }
    assert tsh["effectiveDateTime"] == "2026-03-02"
    assert tsh["subject"]["reference"] == f"urn:uuid:{alice.public_id}"
    assert tsh["performer"] == [{"display": "Cerballiance Lyon"}]
    # derivedFrom points at the record's DocumentReference, an entry of the same bundle.
    assert tsh["derivedFrom"] == [{"reference": f"urn:uuid:{lab_values['record'].public_id}"}]
    assert tsh["derivedFrom"][0]["reference"] in {entry["fullUrl"] for entry in bundle["entry"]}


def test_a_comparator_a_single_bound_and_a_low_flag(alice, lab_values):
    creatinine = observation_of(bundle_of(alice, alice), lab_values["creatinine"])

    assert creatinine["valueQuantity"] == {
        "value": 40,
        "comparator": "<",
        "unit": "µmol/L",
        "system": "http://unitsofmeasure.org",
        "code": "umol/L",
    }
    assert creatinine["referenceRange"] == [
        {"low": {"value": 45, "unit": "µmol/L", "system": "http://unitsofmeasure.org", "code": "umol/L"}}
    ]
    assert creatinine["interpretation"][0]["coding"][0]["code"] == "L"


def test_a_value_of_an_unknown_analyte_and_unit_is_exported_as_text(alice, lab_values):
    unknown = observation_of(bundle_of(alice, alice), lab_values["unknown"])

    assert unknown["code"] == {"text": "Index rare"}
    assert unknown["valueQuantity"] == {"value": 6.1, "unit": "u.a."}
    assert "referenceRange" not in unknown and "interpretation" not in unknown


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("UI/L", "[IU]/L"),
        ("mUI/L", "m[IU]/L"),
        ("G/L", "10*9/L"),
        ("T/L", "10*12/L"),
        ("µmol/L", "umol/L"),
        ("umol/l", "umol/L"),
        ("mL/min/1.73m²", "mL/min/{1.73_m2}"),
        ("%", "%"),
        ("mmol/l", "mmol/L"),
        ("g/L", "g/L"),
        ("unités", None),
        ("", None),
    ],
)
def test_the_french_spellings_of_units_have_their_ucum_codes(written, code):
    assert fhir_map.ucum_code(written) == code


def test_a_professional_exports_only_the_values_of_the_records_they_export(alice, lab_values):
    archived = HealthRecordFactory(patient=alice, kind="lab_result", archived_at=timezone.now(), archived_by=alice)
    hidden = ObservationFactory(record=archived)
    doctor = GrantFactory(patient=alice).professional

    patients_own = {
        resource["identifier"][0]["value"]
        for resource in resources(bundle_of(alice, alice), "Observation")
        if "identifier" in resource
    }
    doctors = {
        resource["identifier"][0]["value"]
        for resource in resources(bundle_of(doctor, alice), "Observation")
        if "identifier" in resource
    }

    assert str(hidden.public_id) in patients_own  # the patient exports archived records too
    assert str(hidden.public_id) not in doctors
    assert str(lab_values["tsh"].public_id) in doctors


def test_the_import_reads_a_bundle_with_lab_values_and_counts_them_as_not_imported(alice, lab_values):
    bundle = bundle_of(alice, alice)

    reading = fhir_read.read_upload(json.dumps(bundle).encode())

    assert [record["title"] for record in reading.records] == ["Bilan"]
    assert reading.ignored["Observation"] == 3

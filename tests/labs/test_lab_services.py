"""lab_reading_confirm: the values a person reviewed become observations, unified, flagged and audited, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AccessEvent
from labs import services
from labs.models import LabReading, Observation
from tests.factories import GrantFactory, LabReadingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading(alice):
    return LabReadingFactory(record__patient=alice)


def value(**values) -> dict:
    return {
        "loinc": "4548-4",
        "label": "HbA1c",
        "comparator": "",
        "value": Decimal("6.8"),
        "unit": "%",
        "reference_low": Decimal("4.0"),
        "reference_high": Decimal("6.0"),
        "flag": None,
        "source_line": "HbA1c 6,8 %",
        **values,
    }


NO_RANGE = {"reference_low": None, "reference_high": None}


def confirm(actor, reading, *observations, sampled_on=datetime.date(2026, 3, 2)):
    return services.lab_reading_confirm(
        actor=actor,
        reading=reading,
        sampled_on=sampled_on,
        laboratory=" Cerballiance ",
        observations=list(observations),
    )


def test_confirming_creates_the_observations_unified_to_the_analytes_unit(alice, reading):
    created = confirm(
        alice,
        reading,
        value(),
        value(
            loinc="15074-8",
            label="Glycémie",
            value=Decimal("1.05"),
            unit="g/l",
            reference_low=None,
            reference_high=None,
        ),
    )

    hba1c, glucose = created
    assert (hba1c.value, hba1c.unified_value, hba1c.flag) == (Decimal("6.8"), Decimal("6.8"), "H")
    assert (glucose.unit, glucose.unified_value) == ("g/L", Decimal("5.8286"))  # 1.05 g/L times 5.551, in mmol/L
    assert {(each.patient, each.record, each.reading, each.created_by) for each in created} == {
        (alice, reading.record, reading, alice)
    }
    assert {(each.sampled_on, each.laboratory) for each in created} == {(datetime.date(2026, 3, 2), "Cerballiance")}
    reading.refresh_from_db()
    assert (reading.status, reading.confirmed_by) == (LabReading.Status.CONFIRMED, alice)
    assert reading.confirmed_at is not None


def test_a_unit_the_analyte_does_not_convert_from_is_kept_without_a_unified_value(alice, reading):
    (observation,) = confirm(alice, reading, value(unit="mmol/mol", reference_low=None, reference_high=None))

    assert (observation.unit, observation.unified_value) == ("mmol/mol", None)


def test_an_analyte_outside_the_table_is_kept_by_its_name(alice, reading):
    (observation,) = confirm(alice, reading, value(loinc="", label="Ferritine", unit="µg/L", value=Decimal("45")))

    assert (observation.loinc, observation.label, observation.unified_value) == ("", "Ferritine", None)


@pytest.mark.parametrize(
    ("comparator", "number", "flag"),
    [
        ("", "6.8", "H"),
        ("", "3.2", "L"),
        ("", "5", ""),
        ("", "6.0", ""),  # the ends of the range are within it
        ("<", "7", ""),  # below 7: maybe within 4 to 6, maybe not
        ("<", "4", "L"),  # below 4: below the range for sure
        (">", "6", "H"),
        (">", "5", ""),
        (">=", "6", ""),
    ],
)
def test_the_flag_is_derived_from_the_range_when_not_given(alice, reading, comparator, number, flag):
    (observation,) = confirm(alice, reading, value(comparator=comparator, value=Decimal(number)))

    assert observation.flag == flag


def test_a_flag_given_is_kept_even_against_the_range(alice, reading):
    (observation,) = confirm(alice, reading, value(value=Decimal("5"), flag="H"))

    assert observation.flag == "H"


def test_confirming_twice_is_refused(alice, reading):
    confirm(alice, reading, value())

    with pytest.raises(ValidationError) as refused:
        confirm(alice, reading, value(value=Decimal("9")))

    assert refused.value.code == "confirmed"
    assert Observation.objects.count() == 1


def test_a_reading_still_at_work_cannot_be_confirmed(alice, reading):
    LabReading.objects.filter(pk=reading.pk).update(status=LabReading.Status.READING)

    with pytest.raises(ValidationError):
        confirm(alice, reading, value())

    assert not Observation.objects.exists()


def test_a_sample_date_in_the_future_is_refused(alice, reading):
    with pytest.raises(ValidationError) as refused:
        confirm(alice, reading, value(), sampled_on=timezone.localdate() + datetime.timedelta(days=2))

    assert "sampled_on" in refused.value.error_dict
    assert not Observation.objects.exists()


def test_a_range_upside_down_is_refused_and_nothing_is_kept(alice, reading):
    with pytest.raises(ValidationError):
        confirm(alice, reading, value(), value(reference_low=Decimal("6"), reference_high=Decimal("4")))

    assert not Observation.objects.exists()
    reading.refresh_from_db()
    assert reading.status == LabReading.Status.READY


def test_an_empty_confirmation_is_refused(alice, reading):
    with pytest.raises(ValidationError) as refused:
        confirm(alice, reading)

    assert refused.value.code == "empty"


def test_each_observation_is_validated_by_the_model(alice, reading):
    with pytest.raises(ValidationError) as refused:
        confirm(alice, reading, value(label="x" * 201))

    assert "label" in refused.value.error_dict
    assert not Observation.objects.exists()


def test_someone_without_access_cannot_confirm(charlie, dave, reading):
    for stranger in (charlie, dave):
        with pytest.raises(PermissionDenied):
            confirm(stranger, reading, value())

    assert not Observation.objects.exists()


def test_a_professional_who_may_add_to_the_file_confirms_and_it_is_audited(alice, bob, reading):
    GrantFactory(patient=alice, professional=bob, permission="contribute")

    confirm(bob, reading, value())

    event = AccessEvent.objects.get(actor=bob)
    assert (event.patient, event.action, event.object_type, event.object_id) == (
        alice,
        "update",
        "health_record",
        reading.record.public_id,
    )


def test_a_read_only_grant_cannot_confirm(alice, bob, reading):
    GrantFactory(patient=alice, professional=bob)

    with pytest.raises(PermissionDenied):
        confirm(bob, reading, value())


@pytest.mark.parametrize(("text", "number"), [("6,8", "6.8"), ("6.8", "6.8"), (" 1 250,5 ", "1250.5"), ("-2", "-2")])
def test_numbers_are_read_with_a_comma_or_a_dot(text, number):
    assert services.parse_number(text) == Decimal(number)


@pytest.mark.parametrize("text", ["", "abc", "6,8,1", "6.8%", "1e3", "NaN", "1" * 31])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValidationError):
        services.parse_number(text)


@pytest.mark.parametrize("typed", ["µmol/L", "μmol/L", "umol/l", "µmol/l", " µmol / L "])
def test_micromoles_are_one_unit_however_typed(alice, reading, typed):
    (creatinine,) = confirm(
        alice,
        reading,
        value(loinc="2160-0", label="Créatinine", value=Decimal("52"), unit=typed, **NO_RANGE),
    )

    assert (creatinine.unit, creatinine.unified_value) == ("µmol/L", Decimal("52"))
    assert services.unit_is_known("2160-0", typed)

"""The safety checks where medications are written: a professional is stopped by an allergy until they
confirm with a reason (audited), the patient never is, and warnings that do not block stop nobody."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AccessEvent, ObjectType
from tests.factories import HealthRecordFactory, RecordFileFactory, TreatmentFactory
from treatments import allergy_services, readings, safety_checks, services
from treatments.models import DrugClass, Medication, PrescriptionReading, SafetyOverride

pytestmark = pytest.mark.django_db

# A real speciality of the drug lexicon (BDPM): AMOXICILLINE SUN 500 mg, gélule.
AMOXICILLIN_CIS = "66046272"
AMOXICILLIN = {
    "name": "AMOXICILLINE SUN 500 mg, gélule",
    "cis": AMOXICILLIN_CIS,
    "dose": 1,
    "dose_unit": "gélule",
    "morning": True,
    "evening": True,
}
PARACETAMOL = {"name": "DOLIPRANE 1000 mg, comprimé", "dose": 1, "dose_unit": "comprimé", "morning": True}


@pytest.fixture
def allergic_alice(alice):
    allergy_services.allergy_add(
        actor=alice, patient=alice, label="Pénicilline", drug_class=DrugClass.PENICILLINS, reaction="Éruption cutanée"
    )
    return alice


@pytest.fixture
def treatment(allergic_alice):
    return TreatmentFactory(patient=allergic_alice, start_date=datetime.date.today())


def test_a_professional_adding_amoxicillin_to_a_penicillin_allergic_patient_is_stopped(treatment, bob, bob_sees_alice):
    with pytest.raises(ValidationError) as raised:
        services.medication_add(actor=bob, treatment=treatment, values=AMOXICILLIN)

    assert raised.value.code == "safety_confirmation_required"
    assert [warning.code for warning in raised.value.warnings] == ["allergy"]
    assert not Medication.objects.exists()


def test_with_a_reason_the_professional_goes_on_and_the_confirmation_is_audited(treatment, bob, bob_sees_alice):
    medication = services.medication_add(
        actor=bob, treatment=treatment, values=AMOXICILLIN, safety_reason="Tests allergologiques négatifs en 2019."
    )

    override = SafetyOverride.objects.get(medication=medication)
    assert (override.code, override.confirmed_by, override.reason) == (
        "allergy",
        bob,
        "Tests allergologiques négatifs en 2019.",
    )
    assert AccessEvent.objects.filter(
        object_type=ObjectType.SAFETY_OVERRIDE, object_id=override.public_id, actor=bob
    ).exists()
    shown = safety_checks.shown_warnings(treatment.patient, [medication])[medication.pk]
    assert [(item.warning.code, item.override) for item in shown] == [("allergy", override)]


def test_the_reason_is_at_most_500_characters(treatment, bob, bob_sees_alice):
    with pytest.raises(ValidationError) as raised:
        services.medication_add(actor=bob, treatment=treatment, values=AMOXICILLIN, safety_reason="x" * 501)

    assert raised.value.code == "safety_reason"


def test_the_patient_is_never_stopped_and_the_medication_waits_for_a_professional(treatment, allergic_alice):
    medication = services.medication_add(actor=allergic_alice, treatment=treatment, values=AMOXICILLIN)

    assert [warning.code for warning in safety_checks.warnings_of(medication)] == ["allergy"]
    assert not SafetyOverride.objects.exists()
    [shown] = safety_checks.shown_warnings(allergic_alice, [medication])[medication.pk]
    assert shown.to_confirm


def test_a_professional_confirms_later_what_the_patient_recorded(treatment, allergic_alice, bob, bob_sees_alice):
    medication = services.medication_add(actor=allergic_alice, treatment=treatment, values=AMOXICILLIN)

    services.medication_safety_confirm(actor=bob, medication=medication, reason="Vu avec l'allergologue.")

    [shown] = safety_checks.shown_warnings(allergic_alice, [medication])[medication.pk]
    assert not shown.to_confirm and shown.override.confirmed_by == bob
    with pytest.raises(PermissionDenied):
        services.medication_safety_confirm(actor=allergic_alice, medication=medication, reason="moi")


def test_a_confirmed_warning_does_not_stop_the_next_change(treatment, bob, bob_sees_alice):
    medication = services.medication_add(actor=bob, treatment=treatment, values=AMOXICILLIN, safety_reason="Vu.")

    services.medication_update(actor=bob, medication=medication, values={"noon": True})

    assert SafetyOverride.objects.count() == 1


def test_a_professional_changing_a_medication_into_an_allergen_is_stopped(treatment, bob, bob_sees_alice):
    medication = services.medication_add(actor=bob, treatment=treatment, values=PARACETAMOL)

    with pytest.raises(ValidationError) as raised:
        services.medication_update(
            actor=bob,
            medication=medication,
            values={"name": AMOXICILLIN["name"], "cis": AMOXICILLIN_CIS, "substance": "AMOXICILLINE"},
        )

    assert raised.value.code == "safety_confirmation_required"
    medication.refresh_from_db()
    assert medication.name.startswith("DOLIPRANE")


def test_a_clean_medication_has_no_warning(treatment, bob, bob_sees_alice):
    medication = services.medication_add(actor=bob, treatment=treatment, values=PARACETAMOL)

    assert safety_checks.warnings_of(medication) == []
    assert safety_checks.shown_warnings(treatment.patient, [medication]) == {medication.pk: []}


def test_confirming_a_reading_as_a_professional_needs_a_reason_for_the_allergen(allergic_alice, bob, bob_sees_alice):
    reading = _ready_reading(allergic_alice)
    lines = [
        {"name": "AMOXICILLINE SUN 500 mg, gélule", "dose": 1, "dose_unit": "gélule", "morning": True},
        {"name": "DOLIPRANE 1000 mg, comprimé", "dose": 1, "dose_unit": "comprimé", "morning": True},
    ]

    with pytest.raises(ValidationError) as raised:
        _confirm(bob, reading, [dict(line) for line in lines])
    treatment = _confirm(bob, reading, [dict(line) for line in lines], safety_reason="Désensibilisée.")

    assert raised.value.code == "safety_confirmation_required"
    assert SafetyOverride.objects.get().medication.treatment == treatment


def test_the_patient_confirms_her_own_reading_without_a_reason(allergic_alice):
    reading = _ready_reading(allergic_alice)

    treatment = _confirm(
        allergic_alice,
        reading,
        [{"name": "AMOXICILLINE SUN 500 mg, gélule", "dose": 1, "dose_unit": "gélule", "morning": True}],
    )

    assert treatment.medications.count() == 1 and not SafetyOverride.objects.exists()


def _ready_reading(patient):
    prescription = HealthRecordFactory(patient=patient, kind="prescription")
    return PrescriptionReading.objects.create(
        record=prescription,
        record_file=RecordFileFactory(record=prescription),
        status=PrescriptionReading.Status.READY,
        result={"medications": []},
    )


def _confirm(actor, reading, medications, safety_reason=""):
    return readings.reading_confirm(
        actor=actor,
        reading=reading,
        title="Angine",
        start_date=datetime.date.today(),
        prescriber_name="",
        medications=medications,
        safety_reason=safety_reason,
    )

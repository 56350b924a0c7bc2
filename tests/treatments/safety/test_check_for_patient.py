import datetime

from tests.factories import MedicationFactory
from treatments.models import Allergy, DrugClass, TreatmentStatus
from treatments.safety import Candidate, Code, check_for_patient, warnings_of

from .helpers import CLAMOXYL_1G, DOLIPRANE_1000, IXPRIM, STILNOX, codes, proposed

# rx-0021 of the shared prescriptions, as a pharmacist reads it: nothing in it calls for a warning.
CLEAN_PRESCRIPTION = [
    {"name": "Sertraline Teva 25 mg gélule", "cis": "68462757", "dose": 2, "unit": "gélule", "periods": ["noon"]},
    {
        "name": "ATORVASTATINE SUN 10 mg, comprimé pelliculé",
        "cis": "69320216",
        "dose": 2,
        "unit": "comprimé",
        "periods": ["morning", "evening"],
    },
    {
        "name": "Losartan potassique 50 mg comprimé",
        "cis": "65657232",
        "dose": 1,
        "unit": "comprimé",
        "periods": ["morning", "evening"],
    },
    {
        "name": "Amitriptyline 50 mg comprimé (Laroxyl)",
        "cis": "62633436",
        "dose": 1,
        "unit": "comprimé",
        "periods": ["morning", "evening"],
    },
    {
        "name": "Paracétamol 1000 mg comprimé (Efferalgan)",
        "cis": "61574554",
        "dose": 2,
        "unit": "comprimé",
        "periods": ["noon"],
    },
]


def current_medication(patient, cis, **values):
    return MedicationFactory(treatment__patient=patient, cis=cis, **{"name": cis, **values})


def test_a_clean_prescription_raises_nothing(alice):
    Allergy.objects.create(patient=alice, drug_class=DrugClass.PENICILLINS, label="Pénicilline", recorded_by=alice)
    candidates = [Candidate.from_values(values, ref=str(number)) for number, values in enumerate(CLEAN_PRESCRIPTION)]

    assert check_for_patient(alice, candidates) == {str(number): [] for number in range(len(CLEAN_PRESCRIPTION))}


def test_it_checks_against_alices_allergies_and_current_medications(alice):
    Allergy.objects.create(patient=alice, drug_class=DrugClass.PENICILLINS, label="Pénicilline", recorded_by=alice)
    current_medication(alice, DOLIPRANE_1000)

    found = check_for_patient(alice, [proposed("0", CLAMOXYL_1G), proposed("1", IXPRIM)])

    assert codes(found["0"]) == [Code.ALLERGY]
    assert codes(found["1"]) == [Code.DUPLICATE_SUBSTANCE]


def test_removed_allergies_and_medications_no_longer_taken_do_not_count(alice):
    Allergy.objects.create(
        patient=alice,
        drug_class=DrugClass.PENICILLINS,
        label="Pénicilline",
        recorded_by=alice,
        removed_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        removed_by=alice,
    )
    today = datetime.date.today()
    current_medication(alice, DOLIPRANE_1000, treatment__status=TreatmentStatus.STOPPED)
    current_medication(alice, DOLIPRANE_1000, treatment__status=TreatmentStatus.PAUSED)
    current_medication(
        alice,
        DOLIPRANE_1000,
        treatment__start_date=today - datetime.timedelta(days=30),
        treatment__end_date=today - datetime.timedelta(days=1),
    )
    current_medication(alice, DOLIPRANE_1000, treatment__start_date=today + datetime.timedelta(days=3))
    current_medication(alice, DOLIPRANE_1000, stopped_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))

    found = check_for_patient(alice, [proposed("0", CLAMOXYL_1G), proposed("1", IXPRIM)])

    assert found == {"0": [], "1": []}


def test_another_patients_medications_do_not_count(alice, dave):
    current_medication(dave, DOLIPRANE_1000)

    assert check_for_patient(alice, [proposed("0", IXPRIM)]) == {"0": []}


def test_the_medication_being_edited_is_excluded(alice):
    edited = current_medication(alice, DOLIPRANE_1000)

    found = check_for_patient(alice, [proposed(str(edited.public_id), IXPRIM)], excluding=[edited.id])

    assert found == {str(edited.public_id): []}


def test_it_takes_three_queries_at_most_whatever_the_number_of_medications(alice, django_assert_max_num_queries):
    Allergy.objects.create(patient=alice, substance="TRAMADOL", label="Tramadol", recorded_by=alice)
    for cis in (DOLIPRANE_1000, STILNOX, IXPRIM, CLAMOXYL_1G) * 3:
        current_medication(alice, cis)
    candidates = [proposed(str(number), cis) for number, cis in enumerate((IXPRIM, STILNOX, CLAMOXYL_1G) * 4)]

    with django_assert_max_num_queries(3):
        found = check_for_patient(alice, candidates)

    assert codes(found["0"])[0] == Code.ALLERGY


def test_warnings_of_a_saved_medication(alice):
    current_medication(alice, DOLIPRANE_1000, name="Doliprane 1000")
    zolpidem = current_medication(alice, STILNOX, dose=2, morning=True, noon=True, evening=True)

    [warning] = warnings_of(zolpidem)

    assert warning.code == Code.MAX_DAILY_DOSE
    assert "60 mg par jour" in warning.message

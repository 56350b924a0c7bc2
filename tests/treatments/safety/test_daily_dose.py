from decimal import Decimal

from django.utils import translation

from treatments.safety import Candidate, Code

from .helpers import ADVIL_400, DOLIPRANE_1000, STILNOX, check_alone, codes, proposed

THREE_TIMES = ("morning", "noon", "evening")


def test_zolpidem_two_tablets_three_times_a_day_is_flagged_with_its_computation():
    found = check_alone(proposed("0", STILNOX, dose=2, periods=THREE_TIMES))

    [warning] = found["0"]
    assert warning.code == Code.MAX_DAILY_DOSE
    assert warning.key == "ZOLPIDEM"
    assert not warning.blocking
    assert warning.message == (
        "Zolpidem : 60 mg par jour (2 × 10 mg = 20 mg par prise, 3 prises par jour), au-dessus du maximum "
        "habituel de 10 mg par jour chez l’adulte."
    )
    assert warning.source == "RCP Stilnox 10 mg, rubrique 4.2"


def test_the_message_follows_the_active_language():
    with translation.override("en"):
        [warning] = check_alone(proposed("0", STILNOX, dose=2, periods=THREE_TIMES))["0"]

    assert warning.message.startswith("Zolpidem: 60 mg per day (2 × 10 mg = 20 mg per intake, 3 intakes a day)")


def test_paracetamol_up_to_four_grams_is_fine_and_above_is_not():
    assert check_alone(proposed("0", DOLIPRANE_1000, periods=(*THREE_TIMES, "bedtime")))["0"] == []

    [warning] = check_alone(proposed("0", DOLIPRANE_1000, dose="1.5", periods=THREE_TIMES))["0"]
    assert "4500 mg par jour (1,5 × 1000 mg = 1500 mg par prise, 3 prises par jour)" in warning.message


def test_ibuprofen_above_1200_mg_says_it_is_the_maximum_without_a_prescription():
    [warning] = check_alone(proposed("0", ADVIL_400, periods=(*THREE_TIMES, "bedtime")))["0"]

    assert warning.message == (
        "Ibuprofène : 1600 mg par jour (1 × 400 mg = 400 mg par prise, 4 prises par jour), au-dessus du maximum "
        "habituel de 1200 mg par jour sans ordonnance. Seul un prescripteur peut décider d’aller au-delà."
    )


def test_as_needed_medications_have_no_daily_count_to_multiply():
    assert check_alone(proposed("0", STILNOX, dose=3, as_needed=True))["0"] == []


def test_a_unit_that_does_not_count_tablets_is_not_multiplied():
    assert check_alone(proposed("0", STILNOX, dose=25, unit="goutte", periods=THREE_TIMES))["0"] == []


def test_without_a_cis_the_strength_written_on_the_medication_is_used_whatever_the_unit_s_spelling():
    for unit in ("comprimé", "comprimés", "cp"):
        typed = Candidate(
            ref="0",
            name="Zolpidem",
            substance="ZOLPIDEM",
            strength="10 mg",
            dose=Decimal(2),
            dose_unit=unit,
            doses_per_day=1,
        )
        assert codes(check_alone(typed)["0"]) == [Code.MAX_DAILY_DOSE], unit


def test_a_syrup_dosed_in_ml_uses_its_strength_per_ml():
    syrup = Candidate(
        ref="0",
        name="Paracétamol sirop",
        substance="PARACÉTAMOL",
        strength="120 mg/5 ml",
        dose=Decimal(60),
        dose_unit="ml",
        doses_per_day=3,
    )

    [warning] = check_alone(syrup)["0"]

    assert "4320 mg par jour (60 ml × 24 mg/ml = 1440 mg par prise, 3 prises par jour)" in warning.message


def test_a_dose_written_in_mg_is_the_amount_taken():
    typed = Candidate(
        ref="0", name="Tramadol", substance="TRAMADOL", dose=Decimal(150), dose_unit="mg", doses_per_day=3
    )

    [warning] = check_alone(typed)["0"]

    assert warning.message.startswith("Tramadol : 450 mg par jour (150 mg = 150 mg par prise, 3 prises par jour)")

"""The stock and renewal dates of a medication: units left from the dispensings and the planned doses
(skipped doses are not consumed), the day the stock runs out, the day the next renewal is due."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import MedicationFactory, TreatmentFactory
from treatments import supply
from treatments.models import Dispensing, Intake

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 11, 2)  # a Monday


@pytest.fixture
def medication(alice):
    treatment = TreatmentFactory(patient=alice, start_date=START)
    # One tablet morning and evening, boxes of 30.
    return MedicationFactory(treatment=treatment, morning=True, evening=True, pack_size=30)


def dispense(medication, on, *, boxes=1, units=None, is_renewal=False):
    return Dispensing.objects.create(
        medication=medication,
        dispensed_on=on,
        boxes=boxes,
        units=units,
        is_renewal=is_renewal,
        recorded_by=medication.treatment.patient,
    )


def test_a_medication_never_dispensed_has_no_known_stock(medication):
    assert supply.units_left(medication, today=START) is None
    assert supply.stock_runs_out_on(medication, today=START) is None


def test_units_left_are_the_units_dispensed_less_the_doses_planned_since(medication):
    dispense(medication, START, boxes=2)  # 60 tablets, 2 a day

    assert supply.units_left(medication, today=START) == 60
    assert supply.units_left(medication, today=START + datetime.timedelta(days=5)) == 50
    # The 60 tablets cover 30 days: the 31st day is the first without.
    assert supply.stock_runs_out_on(medication, today=START + datetime.timedelta(days=5)) == datetime.date(2026, 12, 2)


def test_a_skipped_dose_is_not_consumed(medication):
    dispense(medication, START)
    Intake.objects.create(
        medication=medication, local_date=START, moment="morning", due_at=timezone.now(), status=Intake.Status.SKIPPED
    )

    assert supply.units_left(medication, today=START + datetime.timedelta(days=2)) == 30 - 4 + 1


def test_units_entered_count_when_the_pack_size_is_unknown(alice):
    medication = MedicationFactory(
        treatment=TreatmentFactory(patient=alice, start_date=START), dose=Decimal("0.5"), morning=True
    )
    dispense(medication, START, units=Decimal(28))

    assert supply.units_left(medication, today=START + datetime.timedelta(days=10)) == 23
    assert supply.stock_runs_out_on(medication, today=START) == START + datetime.timedelta(days=56)


def test_days_of_the_week_count_only_the_days_planned(alice):
    # One tablet on Mondays and Thursdays.
    medication = MedicationFactory(
        treatment=TreatmentFactory(patient=alice, start_date=START), morning=True, weekdays=[0, 3], pack_size=4
    )
    dispense(medication, START)

    assert supply.units_left(medication, today=START + datetime.timedelta(days=7)) == 2
    # Monday 2, Thursday 5, Monday 9, Thursday 12: the next Monday is the first without.
    assert supply.stock_runs_out_on(medication, today=START) == datetime.date(2026, 11, 16)


def test_a_stock_that_lasts_past_the_end_of_the_medication_never_runs_out(medication):
    medication.end_date = START + datetime.timedelta(days=9)
    medication.save()
    dispense(medication, START)

    assert supply.stock_runs_out_on(medication, today=START) is None


def test_a_medication_taken_as_needed_has_no_planned_stock(alice):
    medication = MedicationFactory(
        treatment=TreatmentFactory(patient=alice, start_date=START), morning=False, as_needed=True, pack_size=8
    )
    dispense(medication, START)

    assert supply.units_left(medication, today=START) is None


def test_the_renewal_is_due_when_one_dispensing_is_covered(medication):
    medication.renewals, medication.supply_days = 2, 30
    medication.save()
    assert supply.renewal_due_on(medication) == START + datetime.timedelta(days=30)

    dispense(medication, datetime.date(2026, 11, 5))
    assert supply.renewal_due_on(medication) == datetime.date(2026, 12, 5)

    dispense(medication, datetime.date(2026, 12, 4), is_renewal=True)
    dispense(medication, datetime.date(2027, 1, 3), is_renewal=True)
    assert supply.renewal_due_on(medication) is None  # both renewals used


def test_the_page_summary_counts_the_renewals_left(medication):
    medication.renewals, medication.supply_days = 2, 30
    medication.save()
    dispense(medication, START)
    dispense(medication, START + datetime.timedelta(days=30), is_renewal=True)

    summary = supply.supply_of(medication, today=START + datetime.timedelta(days=20))

    assert (summary.renewals, summary.renewals_left) == (2, 1)
    assert summary.units_left == 60 - 40
    assert summary.renewal_due_on == START + datetime.timedelta(days=60)

"""Renewals and stock of a medication: when the next renewal is due and when the boxes run out.

Pure reads of a medication and its dispensings (no access check: callers have one). The reminders, the
calendar feed and the pages all ask here, so they agree on the dates.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from treatments.models import Intake, Medication


def renewals_used(medication: Medication) -> int:
    return sum(1 for dispensing in medication.dispensings.all() if dispensing.is_renewal)


def renewal_due_on(medication: Medication) -> datetime.date | None:
    """The day the next renewal should be dispensed: the last dispensing (or the start, before any) plus the
    days one dispensing covers. None when the prescription allows no renewal, all were used, or it does not
    say how long one dispensing lasts ("QSP")."""
    if not medication.renewals or not medication.supply_days or renewals_used(medication) >= medication.renewals:
        return None
    dispensed_on = [dispensing.dispensed_on for dispensing in medication.dispensings.all()]
    covered_from = max(dispensed_on) if dispensed_on else medication.start_date
    due_on = covered_from + datetime.timedelta(days=medication.supply_days)
    if medication.end_date is not None and due_on > medication.end_date:
        return None
    return due_on


# Stock ---------------------------------------------------------------------------------------------------------------

# How far ahead the stock is followed: a box that lasts longer than this is no worry.
HORIZON_DAYS = 400


def units_of(dispensing) -> Decimal | None:
    """The units a dispensing gave: as recorded, or its boxes times the pack size when that is known."""
    if dispensing.units is not None:
        return Decimal(dispensing.units)
    pack_size = dispensing.medication.pack_size
    return Decimal(dispensing.boxes * pack_size) if pack_size else None


def units_planned_on(medication: Medication, day: datetime.date) -> Decimal:
    """The units the schedule plans on `day`: the dose times the doses of that day (the rules of
    `treatments.schedule`: dates, days of the week, moments and clock times; nothing when taken as needed)."""
    if medication.as_needed or not medication.is_taken_on(day):
        return Decimal(0)
    return Decimal(medication.dose) * (len(medication.moments) + len(medication.times))


def units_left(medication: Medication, *, today: datetime.date) -> Decimal | None:
    """The units left at the start of `today`: the units dispensed, less the doses planned since the first
    dispensing whose units are known (a skipped dose is not consumed). None when no dispensing tells how many
    units were given, or for a medication taken as needed (its use is not planned)."""
    counted = [
        (dispensing.dispensed_on, units)
        for dispensing in medication.dispensings.all()
        if (units := units_of(dispensing)) is not None
    ]
    if not counted or medication.as_needed:
        return None
    since = max(min(day for day, _units in counted), medication.start_date)
    until = today if medication.stopped_at is None else min(today, medication.stopped_at.date())
    consumed = sum(
        (
            units_planned_on(medication, since + datetime.timedelta(days=offset))
            for offset in range((until - since).days)
        ),
        Decimal(0),
    )
    skipped = medication.intakes.filter(status=Intake.Status.SKIPPED, local_date__gte=since, local_date__lt=until)
    consumed -= Decimal(medication.dose) * skipped.count()
    left = sum((units for _day, units in counted), Decimal(0)) - consumed
    return max(left, Decimal(0))


def stock_runs_out_on(medication: Medication, *, today: datetime.date) -> datetime.date | None:
    """The first day whose doses the stock no longer covers. None when the stock is not known, lasts to the
    medication's end (or past the horizon), or the medication is stopped."""
    left = units_left(medication, today=today)
    if left is None or medication.stopped_at is not None:
        return None
    for offset in range(HORIZON_DAYS):
        day = today + datetime.timedelta(days=offset)
        if medication.end_date is not None and day > medication.end_date:
            return None
        needed = units_planned_on(medication, day)
        if needed > left:
            return day
        left -= needed
    return None


# For the pages --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Supply:
    """What the treatment page says of a medication's stock and renewals."""

    units_left: Decimal | None
    runs_out_on: datetime.date | None
    renewal_due_on: datetime.date | None
    renewals: int
    renewals_left: int
    dispensings: list

    @property
    def is_followed(self) -> bool:
        return self.units_left is not None or bool(self.renewals) or bool(self.dispensings)


def supply_of(medication: Medication, *, today: datetime.date) -> Supply:
    return Supply(
        units_left=units_left(medication, today=today),
        runs_out_on=stock_runs_out_on(medication, today=today),
        renewal_due_on=renewal_due_on(medication),
        renewals=medication.renewals,
        renewals_left=max(medication.renewals - renewals_used(medication), 0),
        dispensings=list(medication.dispensings.all()),
    )

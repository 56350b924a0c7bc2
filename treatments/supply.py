"""Renewals and stock of a medication: when the next renewal is due and when the boxes run out.

Pure reads of a medication and its dispensings (no access check: callers have one). The reminders, the
calendar feed and the pages all ask here, so they agree on the dates.
"""

import datetime

from treatments.models import Medication


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

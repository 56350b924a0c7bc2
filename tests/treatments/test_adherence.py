import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import MedicationFactory, TreatmentFactory
from treatments import selectors, services
from treatments.schedule import due_instant

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def test_adherence_counts_taken_doses_over_due_ones_by_day_and_week(alice):
    services.reminder_settings_ensure(patient=alice)
    treatment = TreatmentFactory(patient=alice, start_date=datetime.date(2026, 2, 9))  # a Monday
    medication = MedicationFactory(treatment=treatment, morning=True, evening=True)
    for day in (9, 10):
        for moment, hour in (("morning", 8), ("evening", 19)):
            if (day, moment) == (10, "evening"):
                continue  # forgotten
            local_date = datetime.date(2026, 2, day)
            services.intake_answer(
                actor=alice,
                medication=medication,
                local_date=local_date,
                moment=moment,
                due_at=due_instant(local_date, datetime.time(hour), PARIS),
                answer="taken",
            )

    with time_machine.travel(datetime.datetime(2026, 2, 11, 12, 0, tzinfo=PARIS), tick=False):
        adherence = selectors.adherence(treatment=treatment, today=datetime.date(2026, 2, 11))

    assert (adherence["taken"], adherence["due"], adherence["rate"]) == (3, 5, 60)
    assert [(bar["taken"], bar["due"]) for bar in adherence["bars"][-3:]] == [(2, 2), (1, 2), (0, 1)]
    assert (adherence["week_bars"][-1]["taken"], adherence["week_bars"][-1]["due"]) == (3, 5)

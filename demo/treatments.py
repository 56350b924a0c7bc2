"""Alice's demo treatment: a morning and evening medication, and one at bedtime, running now."""

import datetime
from zoneinfo import ZoneInfo

from treatments import schedule, services
from treatments.models import Treatment


def create_alice_treatment(*, alice, bob, today: datetime.date) -> bool:
    if Treatment.objects.filter(patient=alice).exists():
        return False
    prescription = alice.health_records.filter(kind="prescription").first()
    treatment = services.treatment_create(
        actor=alice,
        patient=alice,
        title="Angine",
        prescription=prescription,
        prescriber=bob,
        start_date=today - datetime.timedelta(days=3),
        end_date=today + datetime.timedelta(days=3),
    )
    services.medication_add(
        actor=alice,
        treatment=treatment,
        values={
            "name": "AMOXICILLINE BIOGARAN 1 g, comprimé dispersible",
            "dose": 1,
            "dose_unit": "comprimé",
            "morning": True,
            "evening": True,
            "instructions": "pendant le repas",
        },
    )
    services.medication_add(
        actor=alice,
        treatment=treatment,
        values={
            "name": "DOLIPRANE 1000 mg, comprimé",
            "dose": 1,
            "dose_unit": "comprimé",
            "morning": True,
            "noon": True,
            "evening": True,
            "end_date": today + datetime.timedelta(days=1),
        },
    )
    # As if Alice had entered it the day it began: its doses since are tracked (the long-term one is not).
    zone = ZoneInfo(alice.time_zone)
    treatment.medications.update(created_at=datetime.datetime.combine(treatment.start_date, datetime.time.min, zone))
    _answer_past_doses(alice=alice, treatment=treatment, today=today)
    long_term = services.treatment_create(
        actor=alice,
        patient=alice,
        title="Hypothyroïdie",
        start_date=today - datetime.timedelta(days=800),
        prescriber_name="Dr Bob Bernard",
    )
    services.medication_add(
        actor=alice,
        treatment=long_term,
        values={
            "name": "LEVOTHYROX 75 microgrammes, comprimé sécable",
            "dose": 1,
            "dose_unit": "comprimé",
            "morning": True,
            "instructions": "à jeun",
        },
    )
    return True


def _answer_past_doses(*, alice, treatment, today: datetime.date) -> None:
    """Most past doses taken, one forgotten: the adherence chart has something to show."""
    for medication in treatment.medications.all():
        day = treatment.start_date
        while day < today:
            for slot in schedule.slots_of(medication, day, schedule.moment_times(None), ZoneInfo(alice.time_zone)):
                forgotten = day == today - datetime.timedelta(days=2) and slot.moment == "evening"
                services.intake_answer(
                    actor=alice,
                    medication=medication,
                    local_date=day,
                    moment=slot.moment,
                    due_at=slot.due_at,
                    answer="skipped" if forgotten else "taken",
                )
            day += datetime.timedelta(days=1)

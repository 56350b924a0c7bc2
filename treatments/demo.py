"""Alice's demo treatment: a morning and evening medication, and one at bedtime, running now."""

import datetime

from treatments import services
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

"""Patients whose morning dose is due now, for the tests that run real beats and workers on them."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.factories import MedicationFactory, PatientFactory, TreatmentFactory
from treatments import services


def patients_due_now(count: int) -> list:
    """`count` patients in Paris whose morning was one minute ago, each with two medications to take then."""
    morning = (timezone.now().astimezone(ZoneInfo("Europe/Paris")) - datetime.timedelta(minutes=1)).time()
    patients = []
    for _number in range(count):
        patient = PatientFactory()
        reminder_settings = services.reminder_settings_ensure(patient=patient)
        reminder_settings.morning_at = morning.replace(second=0, microsecond=0)
        reminder_settings.save()
        treatment = TreatmentFactory(patient=patient, start_date=timezone.localdate() - datetime.timedelta(days=1))
        MedicationFactory(treatment=treatment, morning=True)
        MedicationFactory(treatment=treatment, morning=True, name="AMOXICILLINE 1 g")
        patients.append(patient)
    return patients

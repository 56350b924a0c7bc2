"""A patient's lab results go with the erasure: the values confirmed and the readings of her lab reports, which
PROTECT the records they were read from. Another patient's stay."""

from erasure import services
from health_records.models import HealthRecord
from labs.models import LabReading, Observation
from tests.factories import HealthRecordFactory, LabReadingFactory, ObservationFactory


def test_the_patients_observations_and_lab_readings_are_erased_and_others_stay(media, alice, bob, dave, staff):
    bilan = HealthRecordFactory(patient=alice, kind="lab_result")
    read = LabReadingFactory(record=bilan)
    ObservationFactory(record=bilan, reading=read)
    ObservationFactory(record=bilan, created_by=bob)  # added by her doctor
    LabReadingFactory(record=HealthRecordFactory(patient=alice, kind="lab_result"), status="failed")
    daves = ObservationFactory(record=LabReadingFactory(record__patient=dave).record)

    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert list(Observation.objects.all()) == [daves]
    assert list(LabReading.objects.values_list("record__patient", flat=True)) == [dave.pk]
    assert list(HealthRecord.objects.values_list("patient", flat=True)) == [dave.pk]

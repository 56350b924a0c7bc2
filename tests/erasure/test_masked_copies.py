"""The erasure removes the copies of the patient's photos with the faces blurred, as it removes the originals."""

from erasure import services
from health_records import masking
from health_records.models import MaskStatus, RecordFile
from tests.erasure.conftest import files_in
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import jpeg_bytes


def test_the_blurred_copies_of_the_patients_photos_are_erased(media, alice, staff):
    photo = RecordFileFactory(record=HealthRecordFactory(patient=alice, kind="photo"), masked_status=MaskStatus.PENDING)
    masking.record_file_set_masked(
        record_file=photo, masked=masking.MaskedPhoto(content=jpeg_bytes((40, 30)), face_count=2)
    )
    masked_name = RecordFile.objects.get(pk=photo.pk).masked.name
    assert masked_name and (media / masked_name).is_file()

    services.erase_patient(actor=staff, user=alice, reason="Lettre du 3 mars")

    assert not (media / masked_name).exists()
    assert files_in(media) == set()

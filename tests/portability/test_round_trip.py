"""The export read back by the import: a patient moving their whole file to another account (or another
portal's export of ours) finds the same records, files, treatments and allergies."""

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from health_records.models import HealthRecord
from sharing.models import EmergencyProfile
from tests.portability.test_export_job import built
from tests.portability.test_import import confirm, upload_and_read
from treatments.models import Medication, Treatment

pytestmark = pytest.mark.django_db


def files_of(record: HealthRecord) -> list[tuple[str, str, str]]:
    """Each file's name (without the folders a name may carry), type and, for a PDF, its text: the intake
    checks rewrite PDFs and re-encode images, so the bytes differ while the document is the same."""
    found = []
    for record_file in record.files.all():
        with record_file.file.open("rb") as stored:
            content = stored.read()
        text = ""
        if record_file.content_type == "application/pdf":
            text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(content))
        found.append((record_file.original_name.rsplit("/", 1)[-1], record_file.content_type, text))
    return sorted(found)


def schedule(medication: Medication) -> tuple:
    return (
        medication.name,
        tuple(medication.moments),
        tuple(medication.times),
        tuple(medication.weekdays),
        medication.as_needed,
        medication.dose,
        medication.end_date,
    )


def test_the_export_zip_imported_into_another_account_gives_back_the_same_file(client, alice, dave, rich_file):
    Treatment.objects.filter(patient=alice, prescriber_name="Dr Martin").update(eprescription_id="2A7F3K9Q1B4D6E8H0J2M")
    exported = built(alice, alice)
    with exported.file.open("rb") as stored:
        archive = SimpleUploadedFile("relyfe-export.zip", stored.read())

    job = upload_and_read(client, dave, archive)
    assert job.status == job.Status.READY, job.error
    response = confirm(client, job)
    assert response.status_code == 302

    # Every record, archived ones too, with the same files.
    originals = HealthRecord.objects.filter(patient=alice)
    for original in originals:
        copy = HealthRecord.objects.get(patient=dave, title=original.title)
        assert (copy.kind, copy.clinical_date) == (original.kind, original.clinical_date)
        assert files_of(copy) == files_of(original)
    assert HealthRecord.objects.filter(patient=dave).count() == originals.count()

    # Every medication with its schedule: moments, clock times, weekdays, as needed, dose and end date.
    assert sorted(map(schedule, Medication.objects.filter(treatment__patient=dave))) == sorted(
        map(schedule, Medication.objects.filter(treatment__patient=alice))
    )
    # A medication's CIS code comes back (the import may also find the code of one that had none).
    assert Medication.objects.get(treatment__patient=dave, name="AMOXICILLINE 1 g").cis == "60234100"
    # The e-prescription's identifier, so that the same prescription is not confirmed twice there either.
    assert Treatment.objects.get(patient=dave, eprescription_id="2A7F3K9Q1B4D6E8H0J2M").medications.count() == (
        Treatment.objects.get(patient=alice, eprescription_id="2A7F3K9Q1B4D6E8H0J2M").medications.count()
    )
    # The allergies, into the new account's emergency profile.
    allergies = EmergencyProfile.objects.get(patient=dave).allergies.casefold()
    assert "pénicilline" in allergies and "arachides" in allergies
    # And the patient sees them in their timeline.
    timeline = client.get(reverse("health_records:mine"), follow=True).content.decode()
    assert all(original.title in timeline for original in originals.filter(archived_at__isnull=True))

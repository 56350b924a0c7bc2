"""A form sent back with an error keeps the files that passed the checks: sending it again files them,
for their uploader alone, once; those never sent again are swept after a day."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessEvent
from health_records import tasks
from health_records.models import HealthRecord, RecordChange, RecordFile, StagedUpload
from tests.factories import HealthRecordFactory
from tests.files import as_stored, jpeg_bytes, pdf_bytes, upload
from treatments.models import PrescriptionReading

pytestmark = pytest.mark.django_db

GONE = "A kept file is no longer available. Please choose it again."


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def queued(monkeypatch):
    """The tasks the outbox sends to the workers (ids only), in place of a broker."""
    from treatments.tasks import read_prescription

    sent = []
    monkeypatch.setattr(read_prescription, "apply_async", lambda args, **options: sent.append(("reading", *args)))
    monkeypatch.setattr(
        tasks.make_record_file_thumbnail, "apply_async", lambda args, **options: sent.append(("thumbnail", *args))
    )
    return sent


def send(client, patient, *, files=(), kept=(), **fields):
    data = {
        "kind": "prescription",
        "title": "Ordonnance du Dr Martin",
        "clinical_date": "2026-03-02",
        **fields,
        "files": list(files),
        "kept": [str(public_id) for public_id in kept],
    }
    return client.post(reverse("health_records:create", args=[patient.public_id]), data)


def kept_ids(response) -> list[str]:
    return [str(staged.public_id) for staged in response.context["kept"]]


def test_a_form_error_keeps_the_file_and_sending_again_files_it_once(
    client, alice, queued, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    content = pdf_bytes()

    refused = send(client, alice, files=[upload("ordonnance.pdf", content)], title="")

    assert refused.status_code == 200
    assert refused.context["form"].errors["title"]
    page = refused.content.decode()
    assert "Kept from your last try, no need to choose it again:" in page
    assert "ordonnance.pdf" in page
    (staged_id,) = kept_ids(refused)
    assert f'name="kept" value="{staged_id}"' in page
    assert not HealthRecord.objects.exists()
    staged_name = StagedUpload.objects.get().file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, alice, kept=[staged_id])

    record = HealthRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("health_records:detail", args=[record.public_id])
    record_file = record.files.get()
    assert record_file.original_name == "ordonnance.pdf"
    with record_file.file.open("rb") as stored:
        assert stored.read() == as_stored(content)
    assert RecordChange.objects.get(record=record).details == {"files": 1}
    assert AccessEvent.objects.filter(object_id=record.public_id, action="create").count() == 1
    assert PrescriptionReading.objects.filter(record=record).count() == 1
    assert sorted(queued) == [("reading", record.readings.get().pk), ("thumbnail", record_file.pk)]
    assert not StagedUpload.objects.exists()
    assert not default_storage.exists(staged_name)
    detail = client.get(response["Location"]).content.decode()
    assert "ordonnance.pdf" in detail


def test_a_bad_date_keeps_the_good_files_and_names_the_refused_one(client, alice):
    client.force_login(alice)
    future = (timezone.now().date() + timedelta(days=30)).isoformat()

    response = send(
        client,
        alice,
        files=[upload("radio.jpg", jpeg_bytes()), upload("notes.txt", b"plain text")],
        clinical_date=future,
        kind="imaging",
    )

    form = response.context["form"]
    assert form.errors["clinical_date"] == ["The date cannot be in the future."]
    assert any(error.startswith("notes.txt:") for error in form.errors["files"])
    assert [staged.original_name for staged in response.context["kept"]] == ["radio.jpg"]
    assert StagedUpload.objects.get().owner == alice

    again = send(client, alice, kept=kept_ids(response), kind="imaging", files=[upload("second.pdf", pdf_bytes())])

    assert again.status_code == 302
    assert sorted(RecordFile.objects.values_list("original_name", flat=True)) == ["radio.jpg", "second.pdf"]


def test_a_kept_file_listed_again_after_a_second_error_is_still_filed_once(client, alice):
    client.force_login(alice)
    first = send(client, alice, files=[upload("ordonnance.pdf", pdf_bytes())], title="")

    second = send(client, alice, kept=kept_ids(first), title="")
    assert kept_ids(second) == kept_ids(first)
    send(client, alice, kept=kept_ids(second))
    used_again = send(client, alice, kept=kept_ids(second))

    assert RecordFile.objects.count() == 1
    assert used_again.status_code == 200
    assert used_again.context["form"].non_field_errors() == [GONE]


def test_another_user_cannot_use_a_kept_file_and_learns_nothing_of_it(client, alice, dave):
    client.force_login(alice)
    alices = kept_ids(send(client, alice, files=[upload("bilan-alice.pdf", pdf_bytes())], title=""))
    client.force_login(dave)

    foreign = send(client, dave, kept=alices)
    unknown = send(client, dave, kept=[uuid.uuid4()])

    for response in (foreign, unknown):
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [GONE]
        assert response.context["kept"] == []
        assert "bilan-alice" not in response.content.decode()
    assert not HealthRecord.objects.exists()
    assert StagedUpload.objects.get().owner == alice
    client.force_login(alice)
    assert send(client, alice, kept=alices).status_code == 302


def test_the_file_limit_counts_the_kept_files(client, alice, settings):
    settings.UPLOAD_MAX_FILES = 2
    client.force_login(alice)
    first = send(client, alice, files=[upload("a.pdf", pdf_bytes()), upload("b.pdf", pdf_bytes())], title="")

    response = send(client, alice, kept=kept_ids(first), files=[upload("c.pdf", pdf_bytes())])

    assert response.status_code == 200
    assert "At most 2 files at once." in response.context["form"].non_field_errors()
    assert kept_ids(response) == kept_ids(first)
    assert StagedUpload.objects.count() == 2
    assert not HealthRecord.objects.exists()


def test_kept_files_older_than_a_day_are_swept_by_the_beat_task(alice, django_capture_on_commit_callbacks, client):
    client.force_login(alice)
    old, recent = (
        StagedUpload.objects.get(public_id=public_id)
        for public_id in kept_ids(send(client, alice, files=[upload(name, pdf_bytes()) for name in "ab"], title=""))
    )
    StagedUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    with django_capture_on_commit_callbacks(execute=True):
        swept = tasks.sweep_staged_uploads()

    assert swept == 1
    assert list(StagedUpload.objects.all()) == [recent]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(recent.file.name)
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "health_records.tasks.staged_uploads_sweep" in schedule


def test_adding_files_to_a_record_keeps_the_good_ones_when_one_is_refused(client, alice):
    record = HealthRecordFactory(patient=alice, author=alice, kind="lab_result")
    client.force_login(alice)
    url = reverse("health_records:add_files", args=[record.public_id])

    refused = client.post(url, {"files": [upload("page1.jpg", jpeg_bytes()), upload("page2.txt", b"text")]})
    # A refused file is answered as such, with the record's page.
    assert refused.status_code == 400
    page = refused.content.decode()

    assert "page2.txt:" in page
    assert "Kept from your last try, no need to choose it again:" in page
    (staged,) = StagedUpload.objects.all()
    assert f'name="kept" value="{staged.public_id}"' in page
    assert not record.files.exists()

    added = client.post(url, {"kept": [staged.public_id], "files": [upload("page3.pdf", pdf_bytes())]})

    assert added.status_code == 302
    assert sorted(record.files.values_list("original_name", flat=True)) == ["page1.jpg", "page3.pdf"]
    assert not StagedUpload.objects.exists()
    assert "Kept from your last try" not in client.get(added["Location"]).content.decode()


def test_adding_files_with_another_users_kept_id_adds_nothing(client, alice, dave):
    record = HealthRecordFactory(patient=dave, author=dave)
    client.force_login(alice)
    alices = kept_ids(send(client, alice, files=[upload("bilan-alice.pdf", pdf_bytes())], title=""))
    client.force_login(dave)

    response = client.post(reverse("health_records:add_files", args=[record.public_id]), {"kept": alices})
    page = client.get(response["Location"]).content.decode()

    assert GONE in page
    assert "bilan-alice" not in page
    assert not record.files.exists()
    assert StagedUpload.objects.get().owner == alice

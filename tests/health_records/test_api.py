import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from health_records.models import HealthRecord
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import jpeg_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_the_api_creates_a_record_with_files_in_one_multipart_request(api, alice):
    response = api.post(
        reverse("api:patient-records", args=[alice.public_id]),
        {
            "kind": "imaging",
            "title": "Radio thorax",
            "clinical_date": "2026-04-01",
            "tags": ["poumons", "urgence"],
            "uploads": [upload("radio.jpg", jpeg_bytes()), upload("cr.pdf", pdf_bytes())],
            "patient": "00000000-0000-0000-0000-000000000000",
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient"] == str(alice.public_id)
    assert body["author"] == str(alice.public_id)
    assert sorted(body["tags"]) == ["poumons", "urgence"]
    assert [file["original_name"] for file in body["files"]] == ["radio.jpg", "cr.pdf"]
    download = api.get(body["files"][1]["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_the_api_refuses_a_bad_file_and_creates_nothing(api, alice):
    response = api.post(
        reverse("api:patient-records", args=[alice.public_id]),
        {"kind": "other", "title": "x", "clinical_date": "2026-04-01", "uploads": [upload("x.pdf", b"not a pdf")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "x.pdf" in response.json()["fields"]["uploads"][0]
    assert not HealthRecord.objects.exists()


def test_the_api_lists_with_filters_and_pagination(api, alice):
    HealthRecordFactory(patient=alice, kind="vaccination", title="Vaccin")
    HealthRecordFactory.create_batch(3, patient=alice, kind="note")
    HealthRecordFactory(kind="vaccination")  # someone else's

    everything = api.get(reverse("api:patient-records", args=[alice.public_id])).json()
    vaccines = api.get(reverse("api:patient-records", args=[alice.public_id]), {"kind": "vaccination"}).json()

    assert everything["count"] == 4
    assert [record["title"] for record in vaccines["results"]] == ["Vaccin"]


def test_the_api_updates_archives_and_restores(api, alice):
    record = HealthRecordFactory(patient=alice, title="Avant")
    url = reverse("api:record", args=[record.public_id])

    updated = api.patch(url, {"title": "Après", "tags": ["suivi"], "author": "nobody"}, format="json")
    archived = api.post(reverse("api:record-archive", args=[record.public_id]))
    restored = api.post(reverse("api:record-restore", args=[record.public_id]))

    assert updated.json()["title"] == "Après" and updated.json()["tags"] == ["suivi"]
    assert updated.json()["author"] == str(alice.public_id)
    assert archived.json()["archived_at"] is not None
    assert restored.json()["archived_at"] is None
    assert list(record.changes.values_list("kind", flat=True)) == ["restored", "archived", "updated"]


def test_the_api_adds_files_to_a_record(api, alice):
    record = HealthRecordFactory(patient=alice)
    RecordFileFactory(record=record)

    response = api.post(
        reverse("api:record-files", args=[record.public_id]),
        {"uploads": [upload("suite.jpg", jpeg_bytes())]},
        format="multipart",
    )

    assert response.status_code == 201
    assert record.files.count() == 2

"""Nobody but the patient reaches a patient's records, files or their API, and nothing reveals they exist."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AccessEvent
from tests.factories import HealthRecordFactory, RecordFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_record(alice):
    record = HealthRecordFactory(patient=alice, title="Compte rendu confidentiel")
    RecordFileFactory(record=record)
    return record


def web_urls(record):
    file = record.files.get()
    return [
        ("get", reverse("health_records:timeline", args=[record.patient.public_id])),
        ("get", reverse("health_records:create", args=[record.patient.public_id])),
        ("post", reverse("health_records:create", args=[record.patient.public_id])),
        ("get", reverse("health_records:detail", args=[record.public_id])),
        ("get", reverse("health_records:edit", args=[record.public_id])),
        ("post", reverse("health_records:edit", args=[record.public_id])),
        ("post", reverse("health_records:add_files", args=[record.public_id])),
        ("post", reverse("health_records:archive", args=[record.public_id])),
        ("post", reverse("health_records:restore", args=[record.public_id])),
        ("get", reverse("health_records:file_download", args=[file.public_id])),
        ("get", reverse("health_records:file_inline", args=[file.public_id])),
        ("get", reverse("health_records:file_thumbnail", args=[file.public_id])),
    ]


def api_urls(record):
    file = record.files.get()
    return [
        ("get", reverse("api:patient-records", args=[record.patient.public_id])),
        ("post", reverse("api:patient-records", args=[record.patient.public_id])),
        ("get", reverse("api:record", args=[record.public_id])),
        ("patch", reverse("api:record", args=[record.public_id])),
        ("post", reverse("api:record-files", args=[record.public_id])),
        ("post", reverse("api:record-archive", args=[record.public_id])),
        ("post", reverse("api:record-restore", args=[record.public_id])),
        ("get", reverse("api:file-download", args=[file.public_id])),
    ]


@pytest.mark.parametrize("outsider", ["charlie", "dave", "staff"])
def test_outsiders_get_404_on_every_page_and_file_of_alice(client, alice_record, outsider, request):
    client.force_login(request.getfixturevalue(outsider))

    for method, url in web_urls(alice_record):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url)
        assert b"Compte rendu confidentiel" not in response.content

    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("outsider", ["charlie", "dave", "staff"])
def test_outsiders_get_404_on_every_api_url_of_alice(alice_record, outsider, request):
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(outsider))

    for method, url in api_urls(alice_record):
        assert getattr(api, method)(url, {}).status_code == 404, (method, url)

    assert not AccessEvent.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_and_the_api_refuses_them(client, alice_record):
    for method, url in web_urls(alice_record):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 405), (method, url)
        if response.status_code == 302:
            assert response.url.startswith(reverse("accounts:login"))

    api = APIClient()
    for method, url in api_urls(alice_record):
        assert getattr(api, method)(url, {}).status_code in (401, 403), (method, url)


def test_an_unknown_record_and_a_forbidden_one_look_the_same(client, charlie, alice_record):
    client.force_login(charlie)

    forbidden = client.get(reverse("health_records:detail", args=[alice_record.public_id]))
    unknown = client.get(reverse("health_records:detail", args=["00000000-0000-0000-0000-000000000000"]))

    assert forbidden.status_code == unknown.status_code == 404
    assert [t.name for t in forbidden.templates] == [t.name for t in unknown.templates]
    assert "Cette page n’existe pas" in forbidden.content.decode()


def test_a_patient_sees_their_own_timeline_record_and_files(client, alice, alice_record):
    client.force_login(alice)

    assert client.get(reverse("health_records:mine")).url == reverse("health_records:timeline", args=[alice.public_id])
    assert (
        b"Compte rendu confidentiel" in client.get(reverse("health_records:timeline", args=[alice.public_id])).content
    )
    assert client.get(reverse("health_records:detail", args=[alice_record.public_id])).status_code == 200
    download = client.get(reverse("health_records:file_download", args=[alice_record.files.get().public_id]))
    assert download.status_code == 200

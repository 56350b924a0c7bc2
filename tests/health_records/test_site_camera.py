"""The previous photo of a body site, which the new-record form's camera lays over the view: the latest one
the asker may see, asked in a POST body (the site never in a URL), logged, and a 404 for anyone else."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessPath, Scope
from audit.models import AccessEvent, ObjectType
from audit.models import Action as AuditAction
from health_records.models import RecordKind
from tests.factories import GrantFactory, HealthRecordFactory, RecordFileFactory


def photo_of(patient, site, day, **record_fields):
    record = HealthRecordFactory(
        patient=patient, kind=RecordKind.PHOTO, body_site=site, clinical_date=day, **record_fields
    )
    return RecordFileFactory(record=record)


def ask(client, patient, site):
    return client.post(reverse("health_records:site_reference", args=[patient.public_id]), {"body_site": site})


@pytest.fixture
def knee_photos(alice):
    """Alice's left knee photographed twice, her right knee later, and a newer left-knee photo archived."""
    older = photo_of(alice, "Genou gauche", date(2026, 1, 10))
    latest = photo_of(alice, "Genou gauche", date(2026, 3, 3))
    photo_of(alice, "Genou droit", date(2026, 4, 1))
    photo_of(alice, "Genou gauche", date(2026, 5, 1), archived_at=timezone.now(), archived_by=alice)
    return older, latest


def test_the_patient_gets_the_latest_active_photo_of_the_site_and_the_view_is_logged(client, alice, knee_photos):
    _older, latest = knee_photos
    client.force_login(alice)

    response = ask(client, alice, "  genou   GAUCHE ")

    assert response.status_code == 200
    photo = response.json()["photo"]
    assert photo["url"] == reverse("health_records:file_inline", args=[latest.public_id])
    assert "3 mars 2026" in photo["label"]
    event = AccessEvent.objects.get()
    assert (event.actor, event.patient, event.object_type, event.object_id, event.action, event.access_path) == (
        alice,
        alice,
        ObjectType.RECORD_FILE,
        latest.public_id,
        AuditAction.VIEW,
        AccessPath.OWNER,
    )


def test_the_photo_itself_is_streamed_to_the_patient_and_each_load_is_logged(client, alice, knee_photos):
    client.force_login(alice)
    url = ask(client, alice, "Genou gauche").json()["photo"]["url"]

    image = client.get(url)

    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert AccessEvent.objects.filter(action=AuditAction.DOWNLOAD, object_id=knee_photos[1].public_id).count() == 1


def test_a_professional_with_access_gets_it_through_the_grant(client, alice, bob, bob_sees_alice, knee_photos):
    client.force_login(bob)

    photo = ask(client, alice, "Genou gauche").json()["photo"]

    assert photo["url"] == reverse("health_records:file_inline", args=[knee_photos[1].public_id])
    event = AccessEvent.objects.get()
    assert (event.actor, event.access_path, event.object_id) == (bob, AccessPath.GRANT, knee_photos[1].public_id)


def test_a_professional_who_sees_only_some_records_gets_the_latest_of_those(client, alice, bob, knee_photos):
    older, _latest = knee_photos
    grant = GrantFactory(patient=alice, professional=bob, scope=Scope.RECORDS)
    grant.records.set([older.record])
    client.force_login(bob)

    photo = ask(client, alice, "Genou gauche").json()["photo"]

    assert photo["url"] == reverse("health_records:file_inline", args=[older.public_id])


def test_a_site_without_a_photo_answers_nothing_and_logs_nothing(client, alice, knee_photos):
    HealthRecordFactory(patient=alice, kind=RecordKind.MEDICAL_REPORT, body_site="Épaule")
    client.force_login(alice)

    for site in ("Épaule", "Coude", ""):
        response = ask(client, alice, site)
        assert response.status_code == 200 and response.json() == {"photo": None}
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_anyone_without_access_to_the_patient_gets_a_404_and_no_log(client, request, alice, knee_photos, who):
    client.force_login(request.getfixturevalue(who))

    response = ask(client, alice, "Genou gauche")

    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login_page(client, alice, knee_photos):
    response = ask(client, alice, "Genou gauche")

    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not AccessEvent.objects.exists()


def test_the_site_is_never_asked_in_a_url(client, alice, knee_photos):
    client.force_login(alice)

    response = client.get(
        reverse("health_records:site_reference", args=[alice.public_id]), {"body_site": "Genou gauche"}
    )

    assert response.status_code == 405
    assert not AccessEvent.objects.exists()


def test_the_new_record_form_offers_the_camera_for_its_patient(client, alice):
    client.force_login(alice)

    page = client.get(reverse("health_records:create", args=[alice.public_id])).content.decode()

    assert "data-site-camera hidden" in page
    assert f'data-lookup-url="{reverse("health_records:site_reference", args=[alice.public_id])}"' in page
    assert "js/site_camera.js" in page
    assert 'capture="environment"' in page  # the ordinary camera input, the fallback, stays

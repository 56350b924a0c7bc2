"""A preview that failed says why, and those who may edit the record can try again."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from access.models import Permission
from audit.models import AccessEvent
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from relyfe.models import OutboxMessage
from tests.factories import GrantFactory
from tests.files import jpeg_bytes, upload

pytestmark = pytest.mark.django_db


def failed_file_of(author, patient):
    with translation.override("en"):
        record = records.health_record_create(
            actor=author,
            patient=patient,
            kind=RecordKind.PHOTO,
            title="Grain de beauté",
            clinical_date=datetime.date(2026, 3, 2),
            uploads=[check_upload(upload("photo.jpg", jpeg_bytes()))],
        )
    record_file = record.files.get()
    RecordFile.objects.filter(pk=record_file.pk).update(
        thumbnail_failed_reason="not_made_in_time", thumbnail_attempts=3
    )
    OutboxMessage.objects.update(state=OutboxMessage.State.SENT)
    return record_file


@pytest.fixture
def failed_file(alice):
    return failed_file_of(alice, alice)


def page_of(client, record_file, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("health_records:detail", args=[record_file.record.public_id])).content.decode()


def test_a_failed_preview_says_why_and_offers_to_try_again(client, alice, failed_file):
    client.force_login(alice)

    page = page_of(client, failed_file)

    assert "preview failed" in page
    assert "The preview could not be made in time." in page
    assert (
        f'method="post" action="{reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id])}"' in page
    )


def test_in_french_too(client, alice, failed_file):
    client.force_login(alice)

    page = page_of(client, failed_file, "fr")

    assert "L’aperçu n’a pas pu être fait à temps." in page
    assert "Réessayer" in page


def test_trying_again_queues_the_thumbnail_from_the_start_and_logs_the_access(client, alice, failed_file):
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]), follow=True)

    page = response.content.decode()
    assert "The preview is being made again." in page
    assert "preview on its way" in page
    failed_file.refresh_from_db()
    assert (failed_file.thumbnail_failed_reason, failed_file.thumbnail_attempts) == ("", 0)
    message = OutboxMessage.objects.get(key=f"health_records.tasks.record_file_make_thumbnail:{failed_file.pk}")
    assert message.state == OutboxMessage.State.PENDING
    assert AccessEvent.objects.filter(
        actor=alice, patient=alice, object_type="record_file", object_id=failed_file.public_id, action="update"
    ).exists()


def test_the_professional_who_filed_the_record_can_try_again(client, alice, bob, bob_sees_alice):
    failed_file = failed_file_of(bob, alice)
    client.force_login(bob)

    page = page_of(client, failed_file)
    response = client.post(reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]))

    assert reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]) in page
    assert response.status_code == 302
    failed_file.refresh_from_db()
    assert failed_file.thumbnail_failed_reason == ""


def test_a_reader_sees_the_reason_but_no_button_and_cannot_try_again(client, alice, charlie, failed_file):
    GrantFactory(patient=alice, professional=charlie, permission=Permission.READ)
    client.force_login(charlie)

    page = page_of(client, failed_file)
    response = client.post(reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]))

    assert "The preview could not be made in time." in page
    assert reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]) not in page
    assert response.status_code == 404
    failed_file.refresh_from_db()
    assert failed_file.thumbnail_failed_reason == "not_made_in_time"


def test_someone_without_access_gets_404(client, dave, failed_file):
    client.force_login(dave)

    response = client.post(reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]))

    assert response.status_code == 404


def test_it_only_answers_post(client, alice, failed_file):
    client.force_login(alice)

    response = client.get(reverse("health_records:file_thumbnail_retry", args=[failed_file.public_id]))

    assert response.status_code == 405

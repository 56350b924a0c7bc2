"""The sweeper: work stuck past its deadline is queued again through the outbox, a bounded number of times,
then shows "failed" with its reason where the patient sees it, with a retry where one makes sense."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts import phone_services
from accounts.models import PhoneCode, PhoneCodePurpose
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from notifications.models import Delivery, Event, Notification
from notifications.services import notify
from relyfe import outbox
from relyfe.models import OutboxMessage
from tests.factories import PatientFactory
from tests.files import pdf_bytes, upload
from treatments.models import PrescriptionReading

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def prescription_of(patient):
    return records.health_record_create(
        actor=patient,
        patient=patient,
        kind=RecordKind.PRESCRIPTION,
        title="Ordonnance",
        clinical_date=datetime.date(2026, 3, 2),
        uploads=[check_upload(upload("ordonnance.pdf", pdf_bytes()))],
    )


def sweeps(count: int, *, every=datetime.timedelta(hours=1)):
    """`count` sweeps, each past the deadline of the previous one, no worker ever doing the work."""
    now = timezone.now()
    for _sweep in range(count):
        now += every
        outbox.sweep(now=now)


def test_a_stuck_reading_is_queued_again_then_failed_after_the_last_attempt_and_offered_again(client, alice, settings):
    settings.STUCK_MAX_ATTEMPTS = 2
    record = prescription_of(alice)
    reading = PrescriptionReading.objects.get()

    sweeps(1)
    reading.refresh_from_db()
    assert (reading.status, reading.attempts) == (PrescriptionReading.Status.QUEUED, 1)
    sweeps(3)

    reading.refresh_from_db()
    assert reading.status == PrescriptionReading.Status.FAILED
    assert reading.attempts == 2
    assert reading.error == "ReLyfe could not read this document in time. Try again, or add the medications by hand."
    client.force_login(alice)
    page = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    assert "could not read this document in time" in page
    assert reverse("treatments:reading_restart", args=[reading.public_id]) in page


def test_a_reading_still_in_time_is_left_alone(alice):
    prescription_of(alice)

    outbox.sweep(now=timezone.now() + datetime.timedelta(minutes=1))

    assert PrescriptionReading.objects.get().attempts == 0


def test_a_file_whose_thumbnail_never_comes_shows_that_its_preview_failed(client, alice, settings):
    settings.STUCK_MAX_ATTEMPTS = 1
    record = prescription_of(alice)

    sweeps(3)

    record_file = RecordFile.objects.get()
    assert record_file.thumbnail_attempts == 1
    assert record_file.thumbnail_failed_reason == "not_made_in_time"
    client.force_login(alice)
    page = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    assert "preview failed" in page


def test_the_sweeper_queues_work_through_the_outbox_with_its_key(alice):
    prescription_of(alice)

    sweeps(1)

    reading = PrescriptionReading.objects.get()
    message = OutboxMessage.objects.get(key=f"treatments.tasks.prescription_read:{reading.pk}")
    assert message.args == [reading.pk]


def test_an_undelivered_e_mail_is_queued_again_then_failed_with_a_reason_without_the_message(settings):
    settings.STUCK_MAX_ATTEMPTS = 2
    patient = PatientFactory(email="patient@example.org")
    notification = Notification.objects.get(pk=notify(recipient=patient, event=Event.COMMENT, message="Dr M. wrote").pk)
    assert notification.email_state == Delivery.PENDING

    sweeps(1)
    notification.refresh_from_db()
    assert notification.delivery_attempts == 1
    sweeps(3)

    notification.refresh_from_db()
    assert notification.email_state == Delivery.FAILED
    assert notification.delivery_failed_reason == "e-mail not delivered after 3 attempts"


def test_a_delivered_e_mail_is_not_queued_again(mailoutbox):
    patient = PatientFactory(email="patient@example.org")
    notification = notify(recipient=patient, event=Event.COMMENT, message="Dr M. wrote")
    from notifications.services import notification_email_send

    notification_email_send(notification_id=notification.pk)
    notification_email_send(notification_id=notification.pk)  # the task run twice
    sweeps(4)

    notification.refresh_from_db()
    assert notification.email_state == Delivery.SENT
    assert notification.delivery_attempts == 0
    assert len(mailoutbox) == 1


def test_the_password_changed_text_is_sent_once_when_its_task_runs_twice(sms_outbox):
    patient = PatientFactory(phone="+33612345678")
    PhoneCode.objects.create(
        user=patient,
        purpose=PhoneCodePurpose.PASSWORD_RESET,
        phone=patient.phone,
        expires_at=timezone.now(),
        used_at=timezone.now(),
    )

    phone_services.password_changed_notify(user_id=patient.pk)
    phone_services.password_changed_notify(user_id=patient.pk)

    assert len(sms_outbox) == 1

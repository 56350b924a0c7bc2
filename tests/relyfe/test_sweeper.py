"""The sweeper: work stuck past its deadline is queued again through the outbox, a bounded number of times,
then shows "failed" with its reason where the patient sees it, with a retry where one makes sense."""

import datetime

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation

from accounts import phone_services
from accounts.models import PhoneCode, PhoneCodePurpose
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from health_records.tasks import make_record_file_thumbnail
from notifications.models import Delivery, Event, Notification
from notifications.services import notification_email_send, notify
from notifications.tasks import send_notification_email
from relyfe import outbox
from relyfe.models import OutboxMessage
from tests.factories import PatientFactory
from tests.files import pdf_bytes, upload
from treatments.models import PrescriptionReading
from treatments.tasks import read_prescription

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


class WorkerKilled(BaseException):
    """What a run cut short looks like from inside: it started, and nothing after that point happened (an
    Exception would be the task's own failure, handled by the task)."""


def killing(*args, **kwargs):
    raise WorkerKilled


def run_killed(task, *args):
    with pytest.raises(WorkerKilled):
        task(*args)


def test_work_no_worker_ever_took_is_sent_again_without_using_up_its_attempts(alice):
    prescription_of(alice)
    notification = notify(recipient=PatientFactory(email="p@example.org"), event=Event.COMMENT, message="Dr M. wrote")

    sweeps(10)  # the workers stopped for ten hours

    reading, record_file = PrescriptionReading.objects.get(), RecordFile.objects.get()
    notification.refresh_from_db()
    assert (reading.status, reading.attempts) == (PrescriptionReading.Status.QUEUED, 0)
    assert (record_file.thumbnail_failed_reason, record_file.thumbnail_attempts) == ("", 0)
    assert (notification.email_state, notification.email_attempts) == (Delivery.PENDING, 0)
    # One outbox row per piece of work, re-armed by each sweep: the queue does not pile up.
    assert OutboxMessage.objects.filter(key=f"treatments.tasks.prescription_read:{reading.pk}").count() == 1
    assert OutboxMessage.objects.count() == 3


def test_a_reading_started_as_often_as_allowed_without_finishing_fails_and_is_offered_again(
    client, alice, settings, monkeypatch
):
    settings.STUCK_MAX_ATTEMPTS = 2
    record = prescription_of(alice)
    reading = PrescriptionReading.objects.get()
    monkeypatch.setattr("documents.reading.read_document", killing)
    run_killed(read_prescription, reading.pk)
    sweeps(1)
    reading.refresh_from_db()
    assert (reading.status, reading.attempts) == (PrescriptionReading.Status.QUEUED, 1)

    run_killed(read_prescription, reading.pk)
    sweeps(2)

    reading.refresh_from_db()
    assert reading.status == PrescriptionReading.Status.FAILED
    assert reading.attempts == 2
    assert reading.error == "ReLyfe could not read this document in time. Try again, or add the medications by hand."
    client.force_login(alice)
    page = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    assert "could not read this document in time" in page
    assert reverse("treatments:reading_restart", args=[reading.public_id]) in page


def test_a_reading_that_kills_its_worker_every_time_is_not_run_again_once_its_attempts_are_used_up(
    alice, settings, monkeypatch
):
    """The broker redelivers a task whose worker died (acks late, rejected on worker lost) for ever: the start
    of the next run sees the attempts used up and marks the reading failed instead of running it."""
    settings.STUCK_MAX_ATTEMPTS = 2
    prescription_of(alice)
    reading = PrescriptionReading.objects.get()
    monkeypatch.setattr("documents.reading.read_document", killing)
    run_killed(read_prescription, reading.pk)
    run_killed(read_prescription, reading.pk)

    read_prescription(reading.pk)  # the third delivery does not reach the document

    reading.refresh_from_db()
    assert (reading.status, reading.attempts) == (PrescriptionReading.Status.FAILED, 2)
    assert "could not read this document in time" in reading.error


def test_a_reading_still_in_time_is_left_alone(alice):
    prescription_of(alice)

    outbox.sweep(now=timezone.now() + datetime.timedelta(minutes=1))

    assert PrescriptionReading.objects.get().attempts == 0
    assert OutboxMessage.objects.get(key__startswith="treatments.").state == OutboxMessage.State.PENDING


def test_a_reading_running_now_is_not_sent_again(alice, monkeypatch):
    prescription_of(alice)
    reading = PrescriptionReading.objects.get()
    monkeypatch.setattr("documents.reading.read_document", killing)
    later = timezone.now() + datetime.timedelta(hours=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    run_killed(read_prescription, reading.pk)  # started a minute before the sweep: still running

    outbox.sweep(now=later + datetime.timedelta(minutes=1))

    reading.refresh_from_db()
    assert (reading.status, reading.queued_at < later) == (PrescriptionReading.Status.READING, True)


def test_a_file_whose_thumbnail_never_comes_shows_that_its_preview_failed(client, alice, settings, monkeypatch):
    settings.STUCK_MAX_ATTEMPTS = 1
    record = prescription_of(alice)
    record_file = RecordFile.objects.get()
    monkeypatch.setattr("health_records.tasks.make_thumbnail", killing)
    run_killed(make_record_file_thumbnail, record_file.pk)

    sweeps(1)

    record_file.refresh_from_db()
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


def test_an_e_mail_whose_sends_never_finish_fails_with_a_reason_without_the_message(settings, monkeypatch):
    settings.STUCK_MAX_ATTEMPTS = 1
    patient = PatientFactory(email="patient@example.org")
    notification = Notification.objects.get(pk=notify(recipient=patient, event=Event.COMMENT, message="Dr M. wrote").pk)
    assert notification.email_state == Delivery.PENDING
    monkeypatch.setattr("django.core.mail.EmailMessage.send", killing)
    allowed = 1 + send_notification_email.max_retries  # its own retries are runs too
    for _run in range(allowed):
        run_killed(send_notification_email, notification.pk)
    sweeps(1)

    notification.refresh_from_db()

    assert notification.email_state == Delivery.FAILED
    assert notification.delivery_failed_reason == f"e-mail not delivered after {allowed} attempts"
    assert "Dr M." not in notification.delivery_failed_reason


def test_a_delivered_e_mail_is_not_queued_again(mailoutbox):
    patient = PatientFactory(email="patient@example.org")
    notification = notify(recipient=patient, event=Event.COMMENT, message="Dr M. wrote")

    notification_email_send(notification_id=notification.pk)
    notification_email_send(notification_id=notification.pk)  # the task run twice
    sweeps(4)

    notification.refresh_from_db()
    assert notification.email_state == Delivery.SENT
    assert notification.email_attempts == 1
    assert len(mailoutbox) == 1


def test_an_e_mail_sent_again_after_its_worker_died_once_the_server_had_it_keeps_its_message_id(
    monkeypatch, mailoutbox
):
    """The one send no database can make exactly-once: the mail server took the message, then the worker was
    killed before the row said so. The next run sends it again, as the same message for the recipient's
    mailbox; another notification's e-mail has its own."""
    patient = PatientFactory(email="patient@example.org")
    notification = notify(recipient=patient, event=Event.COMMENT, message="Dr M. wrote")
    other = notify(recipient=patient, event=Event.COMMENT, message="Dr N. wrote")
    send = EmailMessage.send

    def sent_then_killed(message, *args, **kwargs):
        send(message, *args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(EmailMessage, "send", sent_then_killed)
    run_killed(send_notification_email, notification.pk)
    monkeypatch.undo()
    notification.refresh_from_db()
    assert (notification.email_state, notification.emailed_at) == (Delivery.PENDING, None)

    send_notification_email(notification.pk)
    send_notification_email(other.pk)

    notification.refresh_from_db()
    assert notification.email_state == Delivery.SENT
    first, again, another = (message.message()["Message-ID"] for message in mailoutbox)
    assert first == again
    assert str(notification.public_id) in first
    assert another != first


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


def test_a_file_whose_thumbnail_kills_its_worker_every_time_is_not_tried_again(alice, settings, monkeypatch):
    settings.STUCK_MAX_ATTEMPTS = 2
    prescription_of(alice)
    record_file = RecordFile.objects.get()
    monkeypatch.setattr("health_records.tasks.make_thumbnail", killing)
    run_killed(make_record_file_thumbnail, record_file.pk)
    run_killed(make_record_file_thumbnail, record_file.pk)

    make_record_file_thumbnail(record_file.pk)  # the broker's third delivery: not run

    record_file.refresh_from_db()
    assert (record_file.thumbnail_failed_reason, record_file.thumbnail_attempts) == ("not_made_in_time", 2)


def test_an_e_mail_that_kills_its_worker_every_time_is_marked_failed_at_its_next_start(
    settings, monkeypatch, mailoutbox
):
    settings.STUCK_MAX_ATTEMPTS = 1
    notification = notify(recipient=PatientFactory(email="p@example.org"), event=Event.COMMENT, message="Dr M. wrote")
    monkeypatch.setattr("django.core.mail.EmailMessage.send", killing)
    allowed = 1 + send_notification_email.max_retries
    for _run in range(allowed):
        run_killed(send_notification_email, notification.pk)
    monkeypatch.undo()

    send_notification_email(notification.pk)

    notification.refresh_from_db()
    assert notification.email_state == Delivery.FAILED
    assert mailoutbox == []

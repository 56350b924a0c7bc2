"""The transactional outbox on the run's broker (the embedded one, or a private redis-server when the run has
REDIS_URL): a row written in the caller's transaction, sent once it commits, kept when the broker cannot take it
(its folder removed, its server killed), retried with a capped backoff and marked failed with the reason after
the last attempt."""

import datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from health_records.models import HealthRecord, RecordKind
from relyfe import outbox
from relyfe.models import OutboxMessage
from relyfe.tasks import heartbeat
from tests.files import jpeg_bytes, pdf_bytes, upload
from treatments.models import PrescriptionReading

# kombu's words for a broker that cannot take a message: for a missing folder, either error depending on what
# its channel had already opened; for a killed redis-server, the refused connection.
BROKER_DOWN_ERRORS = {
    "embedded": ("OperationalError: Cannot add file", "FileNotFoundError"),
    "redis": ("OperationalError: Error 111 connecting",),
}


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def empty_broker(run_broker):
    return run_broker


def messages_in(broker) -> int:
    return len(broker.messages())


def test_a_task_is_written_in_the_callers_transaction_and_sent_once_it_commits(
    db, empty_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(heartbeat, key="heartbeat-now")
        assert messages_in(empty_broker) == 0  # not before the commit

    message = OutboxMessage.objects.get(key="heartbeat-now")
    assert message.state == OutboxMessage.State.SENT
    assert message.sent_at is not None
    assert messages_in(empty_broker) == 1


def test_nothing_is_queued_for_a_transaction_that_rolled_back(db, empty_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(heartbeat, key="heartbeat-rolled-back")
        raise RuntimeError("the service failed after queuing")

    assert not OutboxMessage.objects.exists()
    assert messages_in(empty_broker) == 0


def test_a_task_takes_ids_only(db):
    with pytest.raises(TypeError):
        outbox.enqueue(heartbeat, "Amoxicilline 1 g")


def test_a_broker_that_cannot_take_the_task_leaves_it_pending_with_the_reason(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(heartbeat, key="heartbeat-no-broker")

    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.PENDING
    assert message.attempts == 1
    assert message.last_error.startswith(BROKER_DOWN_ERRORS[broker_down.name])
    assert message.next_try_at > timezone.now()


def test_the_dispatcher_sends_what_is_pending_once_the_broker_is_back(db, empty_broker):
    with transaction.atomic():
        outbox.enqueue(heartbeat, key="a")
        outbox.enqueue(heartbeat, key="b")
    OutboxMessage.objects.update(attempts=2, next_try_at=timezone.now() - datetime.timedelta(seconds=1))

    assert outbox.dispatch() == 2

    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxMessage.State.SENT}
    assert messages_in(empty_broker) == 2
    assert outbox.dispatch(ignore_backoff=True) == 0  # sent once


def test_the_dispatcher_waits_for_the_backoff_unless_a_worker_just_started(db, empty_broker):
    outbox.enqueue(heartbeat, key="later")  # outside a transaction: committed, its first send left to on-commit

    assert outbox.dispatch() == 0
    assert outbox.dispatch(ignore_backoff=True) == 1


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.OUTBOX_RETRY_BASE = datetime.timedelta(seconds=60)
    settings.OUTBOX_RETRY_CAP = datetime.timedelta(minutes=10)

    waits = [outbox.backoff(attempts).total_seconds() for attempts in range(1, 7)]

    assert waits == [60, 120, 240, 480, 600, 600]


def test_after_the_last_attempt_the_message_is_failed_with_the_reason(db, settings, broker_down):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    outbox.enqueue(heartbeat, key="never")

    for _attempt in range(5):
        outbox.dispatch(ignore_backoff=True)

    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.FAILED
    assert message.attempts == 3
    assert "Error" in message.last_error


def test_queuing_the_same_work_again_rearms_its_row(db, empty_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(heartbeat, key="again")
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(heartbeat, key="again")

    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT
    assert messages_in(empty_broker) == 2


def test_a_record_uploaded_while_the_broker_is_down_is_stored_and_its_work_waits_in_the_outbox(
    client, alice, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    data = {
        "kind": RecordKind.PRESCRIPTION,
        "title": "Ordonnance",
        "clinical_date": "2026-03-02",
        "files": [upload("ordonnance.pdf", pdf_bytes()), upload("photo.jpg", jpeg_bytes())],
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("health_records:create", args=[alice.public_id]), data)

    record = HealthRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("health_records:detail", args=[record.public_id])
    assert record.files.count() == 2
    pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, attempts=1)
    assert sorted(pending.values_list("task", flat=True)) == [
        "health_records.tasks.record_file_make_thumbnail",
        "health_records.tasks.record_file_make_thumbnail",
        "treatments.tasks.prescription_read",
        "treatments.tasks.prescription_read",
    ]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "preview on its way" in page.content.decode()
    assert PrescriptionReading.objects.filter(record=record, status=PrescriptionReading.Status.QUEUED).count() == 2

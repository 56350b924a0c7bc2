"""Nothing queued is lost, nothing is done twice: a real Celery worker on the run's broker (the embedded one, or a
private redis-server under REDIS_URL), the broker down (its folder removed, its server killed) while a
professional files a prescription, tasks delivered twice on purpose, and a reading
whose task the broker lost, which the sweeper queues again."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from access.models import Permission
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from health_records.tasks import make_record_file_thumbnail
from notifications.models import Delivery, Notification
from notifications.tasks import send_notification_email
from relyfe import outbox
from relyfe.models import OutboxMessage
from tests.conftest import database_url_of_tests, wait_until
from tests.factories import GrantFactory, PatientFactory, ProfessionalFactory
from tests.files import jpeg_bytes, pdf_bytes, upload
from treatments.models import PrescriptionReading
from treatments.tasks import read_prescription

pytestmark = pytest.mark.celery


def start_worker(project_root, mail_folder, broker):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "relyfe",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=project_root,
        env={
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "EMAIL_URL": f"filemail:///{mail_folder}",
            **broker.environment,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def worker_process(project_root, tmp_path, run_broker):
    processes = []

    def start():
        processes.append(start_worker(project_root, tmp_path / "mail", run_broker))
        return processes[-1]

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def thumbnails_of(record_file: RecordFile) -> list[str]:
    """The thumbnail files saved for this file (a second save would add a suffix to the same name)."""
    folder = str(Path(record_file.thumbnail.name).parent)
    return [name for name in default_storage.listdir(folder)[1] if name.startswith(record_file.public_id.hex)]


def test_work_queued_while_the_broker_is_down_is_done_once_it_is_back_and_only_once(
    transactional_db, client, worker_process, tmp_path, run_broker
):
    alice = PatientFactory(email="alice@example.org")
    bob = ProfessionalFactory(email="bob@example.org")
    GrantFactory(patient=alice, professional=bob, permission=Permission.CONTRIBUTE)
    run_broker.take_down()
    client.force_login(bob)
    try:
        response = client.post(
            reverse("health_records:create", args=[alice.public_id]),
            {
                "kind": RecordKind.PRESCRIPTION,
                "title": "Ordonnance",
                "clinical_date": "2026-03-02",
                "files": [upload("ordonnance.pdf", pdf_bytes())],
            },
        )
    finally:
        run_broker.bring_back()

    assert response.status_code == 302  # committed, whatever the broker said
    record_file = RecordFile.objects.get()
    notification = Notification.objects.get(recipient=alice)
    assert OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, attempts=1).count() == 3

    worker = worker_process()  # a worker that starts sends what the outbox holds
    reading = PrescriptionReading.objects.get()
    wait_until(
        lambda: (
            not OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists()
            and RecordFile.objects.get().thumbnail
            and Notification.objects.get(pk=notification.pk).emailed_at
            and PrescriptionReading.objects.get().status == PrescriptionReading.Status.READY
        ),
        worker=worker,
        seconds=120,
    )

    # Each task delivered a second time (a message redelivered, a sweep that crossed the worker), then a
    # last piece of work behind them: once it is done, the duplicates were run.
    for task, each_id in (
        (make_record_file_thumbnail, record_file.pk),
        (send_notification_email, notification.pk),
        (read_prescription, reading.pk),
    ):
        outbox.enqueue(task, each_id, key=f"again:{task.name}:{each_id}")
    with translation.override("en"):
        last = records.health_record_create(
            actor=alice,
            patient=alice,
            kind=RecordKind.PHOTO,
            title="Photo",
            clinical_date=datetime.date(2026, 3, 2),
            uploads=[check_upload(upload("photo.jpg", jpeg_bytes()))],
        )
    wait_until(lambda: OutboxMessage.objects.filter(state=OutboxMessage.State.SENT).count() >= 6, worker=worker)
    last_file = last.files.get()
    wait_until(lambda: RecordFile.objects.get(pk=last_file.pk).thumbnail, worker=worker)
    wait_until(lambda: not run_broker.messages(), worker=worker)

    record_file.refresh_from_db()
    notification.refresh_from_db()
    reading.refresh_from_db()
    assert len(os.listdir(tmp_path / "mail")) == 1  # one e-mail
    assert notification.email_state == Delivery.SENT
    assert len(thumbnails_of(record_file)) == 1  # one thumbnail
    assert reading.status == PrescriptionReading.Status.READY  # one result, not read again
    assert PrescriptionReading.objects.count() == 1


def test_the_sweeper_queues_again_a_reading_whose_task_was_lost_and_it_completes(
    transactional_db, worker_process, run_broker
):
    alice = PatientFactory(email="alice@example.org")
    with translation.override("en"):
        record = records.health_record_create(
            actor=alice,
            patient=alice,
            kind=RecordKind.PRESCRIPTION,
            title="Ordonnance",
            clinical_date=datetime.date(2026, 3, 2),
            uploads=[check_upload(upload("ordonnance.pdf", pdf_bytes()))],
        )
    # Queued an hour ago, and the broker lost the messages: the outbox says sent, the broker holds nothing.
    assert not OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists()
    run_broker.empty()
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    record_file = record.files.get()
    RecordFile.objects.filter(pk=record_file.pk).update(thumbnail_queued_at=an_hour_ago)
    PrescriptionReading.objects.update(queued_at=an_hour_ago)
    reading = PrescriptionReading.objects.get()

    worker = worker_process()
    outbox.sweep()

    wait_until(
        lambda: PrescriptionReading.objects.get(pk=reading.pk).status == PrescriptionReading.Status.READY,
        worker=worker,
        seconds=120,
    )
    wait_until(lambda: RecordFile.objects.get(pk=record_file.pk).thumbnail, worker=worker)
    reading.refresh_from_db()
    assert reading.attempts == 1
    assert reading.queued_at > an_hour_ago

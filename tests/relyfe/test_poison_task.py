"""A poison task with a real worker: a prescription whose reading kills the worker's pool process every time.
The broker redelivers it for ever (acks late, rejected when its worker is lost); the runs counted at their start
stop it after STUCK_MAX_ATTEMPTS, the reading shows "failed" with a way to try again, and the worker goes on."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from tests.conftest import database_url_of_tests, kill_process_group, wait_until
from tests.factories import PatientFactory
from tests.files import pdf_bytes, upload
from treatments.models import PrescriptionReading

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE = 180  # seconds: two pool processes killed and replaced, on a loaded 2-core machine


@pytest.fixture
def poisoned_worker(project_root, tmp_path):
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.relyfe.poison_worker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=project_root,
        env={
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "POISON_TRACE": str(tmp_path),
            "STUCK_MAX_ATTEMPTS": "2",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: killed whole at the end of the test
    )
    yield worker
    kill_process_group(worker)


def test_a_prescription_that_kills_its_worker_every_time_ends_failed_and_the_worker_goes_on(
    client, poisoned_worker, tmp_path
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
    reading = PrescriptionReading.objects.get()

    wait_until(
        lambda: PrescriptionReading.objects.get(pk=reading.pk).status == PrescriptionReading.Status.FAILED,
        worker=poisoned_worker,
        seconds=DEADLINE,
    )

    reading.refresh_from_db()
    assert reading.attempts == 2
    assert len(list(tmp_path.glob("killed.*"))) == 2  # not a third time
    # The worker goes on with the rest: the same file's thumbnail.
    wait_until(lambda: RecordFile.objects.get(record=record).thumbnail, worker=poisoned_worker, seconds=DEADLINE)
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    # Written by the worker, in the site's language (French): as a reading that failed any other way.
    assert reading.error.startswith("ReLyfe n’a pas pu lire ce document à temps.")
    assert reading.error in page
    assert reverse("treatments:reading_restart", args=[reading.public_id]) in page

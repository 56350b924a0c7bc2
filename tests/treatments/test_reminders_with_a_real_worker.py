"""Reminders end to end: a real Celery beat and worker on Redis, the worker killed with SIGKILL in the
middle of a dispatch and started again; every patient is reminded exactly once."""

import os
import signal
import subprocess
import sys
import time

import pytest

from notifications.models import Notification
from tests.conftest import database_url_of_tests, wait_until
from tests.treatments.due_now import patients_due_now
from treatments.models import ReminderDispatch

PATIENTS = 300  # six batches of fifty (REMINDER_SEND_BATCH below): the worker is killed while some are still to send


def start(project_root, *arguments, tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": database_url_of_tests(),
        "REMINDER_TICK_SECONDS": "2",
        "REMINDER_REQUEUE_SECONDS": "4",
        "SWEEP_SECONDS": "2",  # the sweeper queues again the dispatches the killed worker held
        "REDIS_VISIBILITY_TIMEOUT": "4",
        # Six transactions of fifty, and one range of patients: the worker is killed between two of them.
        "REMINDER_SEND_BATCH": "50",
        "REMINDER_PARTITIONS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "relyfe", *arguments, "--loglevel=WARNING"],
        cwd=project_root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def worker(project_root, tmp_path):
    return start(
        project_root,
        "worker",
        "--pool=solo",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        tmp_path=tmp_path,
    )


@pytest.mark.redis
@pytest.mark.celery
def test_each_reminder_is_delivered_exactly_once_when_the_worker_is_killed(transactional_db, project_root, tmp_path):
    patients_due_now(PATIENTS)

    beat = start(project_root, "beat", "--schedule", str(tmp_path / "beat-schedule"), tmp_path=tmp_path)
    first = worker(project_root, tmp_path)
    second = None
    try:
        wait_until(lambda: Notification.objects.filter(event="reminder").exists(), worker=first)
        first.send_signal(signal.SIGKILL)  # in the middle of the dispatch: some sent, some not
        first.wait(timeout=10)
        sent_when_killed = Notification.objects.filter(event="reminder").count()

        second = worker(project_root, tmp_path)
        wait_until(
            lambda: ReminderDispatch.objects.filter(status=ReminderDispatch.Status.SENT).count() == PATIENTS,
            worker=second,
            seconds=90,
        )
        time.sleep(5)  # a few more ticks and redeliveries: nothing may be sent again
    finally:
        for process in (beat, first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)

    assert sent_when_killed < PATIENTS, "the worker was killed after the dispatch had finished"
    per_patient = Notification.objects.filter(event="reminder").values_list("recipient", flat=True)
    assert len(per_patient) == PATIENTS
    assert len(set(per_patient)) == PATIENTS
    assert ReminderDispatch.objects.count() == PATIENTS

"""Issue 16's fault scenarios with real processes: a prefork worker of the project's app (concurrency 2, as
deploy/systemd runs it) on the run's broker (the embedded one, or a private redis-server when the run has
REDIS_URL), doing the project's real work — photos' thumbnails, e-mails to the patient, the reading of a
prescription, a medication reminder — while its pool process, then itself, are killed, or its broker goes away.

The test process plays beat: it runs the outbox dispatcher, the sweepers and the reminders' tick in a loop, with
STUCK_AFTER a few seconds instead of fifteen minutes; and systemd: a worker that exited is started again, one that
executes nothing for WATCHDOG_SECONDS is restarted (a pool jammed by a killed child, relyfe/settings.py).
Each piece of work must then be done exactly once, and none shown failed, within DEADLINE.
"""

import datetime
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from access.models import Permission
from demo.records import report_pdf
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from notifications.models import Delivery, Event, Notification
from notifications.services import email_message_id
from relyfe import outbox
from tests.conftest import database_url_of_tests
from tests.factories import GrantFactory, MedicationFactory, PatientFactory, ProfessionalFactory, TreatmentFactory
from tests.files import jpeg_bytes, upload
from treatments import readings
from treatments import services as treatments
from treatments.models import PrescriptionReading, ReminderDispatch
from treatments.tasks import send_due_reminders

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

DEADLINE = 90  # seconds from the fault to the last piece of work done, on a loaded 2-core machine
WATCHDOG_SECONDS = 10
# As deploy/systemd/relyfe-worker.service runs it, with the two processes of a 2-core machine.
WORKER = [sys.executable, "-m", "celery", "-A", "relyfe", "worker", "--pool=prefork", "--concurrency=2"]
WORKER += ["--without-mingle", "--without-gossip", "--loglevel=WARNING"]
PRESCRIPTION_LINE = "DOLIPRANE 1000 mg, comprimé : 1 comprimé matin et soir pendant 5 jours"


@pytest.fixture(autouse=True)
def beat_settings(settings):
    """The sweepers take up work this long after it was queued (the bench's figures: STUCK_AFTER 900 s and
    WORKER_STALE_SECONDS 600 s in production, both scaled down together)."""
    settings.STUCK_AFTER = datetime.timedelta(seconds=6)
    settings.STUCK_MAX_ATTEMPTS = 5
    settings.REMINDER_REQUEUE_AFTER = datetime.timedelta(seconds=6)
    settings.OUTBOX_RETRY_BASE = datetime.timedelta(seconds=1)
    settings.OUTBOX_RETRY_CAP = datetime.timedelta(seconds=2)


class Stack:
    """The worker (started, killed, restarted like systemd does), the broker, and the work given to them."""

    def __init__(self, project_root: Path, folder: Path, broker):
        self.project_root, self.broker = project_root, broker
        self.mail = folder / "mail"
        self.mail.mkdir()
        self.workers: list[subprocess.Popen] = []
        self.restarts = 0
        self.alice = PatientFactory(email="alice@example.org", first_name="Alice")
        self.bob = ProfessionalFactory(email="bob@example.org", first_name="Bob")
        GrantFactory(patient=self.alice, professional=self.bob, permission=Permission.CONTRIBUTE)
        self.reminded: list[int] = []

    # --- processes ---

    def start_worker(self) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DATABASE_URL": database_url_of_tests(),
            "EMAIL_URL": f"filemail:///{self.mail}",
            "REMAP_SIGTERM": "SIGQUIT",
            **self.broker.environment,
        }
        worker = subprocess.Popen(
            [*WORKER],
            cwd=self.project_root,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed whole at the end
        )
        self.workers.append(worker)
        return worker

    @property
    def worker(self) -> subprocess.Popen:
        return self.workers[-1]

    def pool_processes(self) -> list[int]:
        children = Path(f"/proc/{self.worker.pid}/task/{self.worker.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def restart_worker(self) -> None:
        if self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=30)
        self.start_worker()
        self.restarts += 1

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    # --- work ---

    def add_photos(self, how_many: int, title: str) -> None:
        for number in range(how_many):
            records.health_record_create(
                actor=self.bob,
                patient=self.alice,
                kind=RecordKind.PHOTO,
                title=f"{title} {number}",
                clinical_date=datetime.date(2026, 11, 1),
                uploads=[check_upload(upload(f"photo-{number}.jpg", jpeg_bytes((640, 480), (20 * number, 90, 160))))],
            )

    def add_prescription(self) -> None:
        pdf = report_pdf("Ordonnance", [PRESCRIPTION_LINE])
        records.health_record_create(
            actor=self.bob,
            patient=self.alice,
            kind=RecordKind.PRESCRIPTION,
            title="Ordonnance",
            clinical_date=datetime.date(2026, 11, 1),
            uploads=[check_upload(upload("ordonnance.pdf", pdf))],
        )

    def add_reminder(self) -> None:
        """A patient whose morning dose was due a minute ago, where she lives: beat's tick sends it."""
        patient = PatientFactory(email=f"patient-{len(self.reminded)}@example.org")
        morning = (timezone.now().astimezone(ZoneInfo(patient.time_zone)) - datetime.timedelta(minutes=1)).time()
        reminder_settings = treatments.reminder_settings_ensure(patient=patient)
        reminder_settings.morning_at = morning.replace(second=0, microsecond=0)
        reminder_settings.save()
        treatment = TreatmentFactory(patient=patient, start_date=timezone.localdate() - datetime.timedelta(days=1))
        MedicationFactory(treatment=treatment, morning=True)
        self.reminded.append(patient.pk)
        self.reminders_tick()

    def reminders_tick(self) -> None:
        """Beat's `treatments.tasks.reminders_tick`, run in the test process: the due dispatches go through the
        outbox, so a broker that is down only leaves them pending there."""
        send_due_reminders()

    # --- what became of it ---

    def files(self):
        return RecordFile.objects.filter(record__patient=self.alice)

    def notifications(self):
        return Notification.objects.filter(recipient_id__in=[self.alice.pk, *self.reminded])

    def progress(self) -> tuple[int, ...]:
        return (
            self.files().exclude(thumbnail="").count(),
            self.notifications().exclude(email_state=Delivery.PENDING).exclude(push_state=Delivery.PENDING).count(),
            PrescriptionReading.objects.filter(status=PrescriptionReading.Status.READY).count(),
            ReminderDispatch.objects.filter(status=ReminderDispatch.Status.SENT).count(),
            len(self.emails_written()),
        )

    def emails_written(self) -> set[str]:
        """The Message-IDs of the messages in the mail folder (Django's file backend may append two to one file):
        a message the worker was killed after sending, before it was recorded, is sent again under the same
        Message-ID, and the recipient's mailbox keeps it once."""
        return {
            message_id
            for path in self.mail.iterdir()
            for message_id in re.findall(r"^Message-ID: (.+)$", path.read_text(), re.MULTILINE)
        }

    def all_done(self) -> bool:
        thumbnails, delivered, read, reminded, _mails = self.progress()
        return (
            thumbnails == self.files().count()
            and delivered == self.notifications().count()
            and read == PrescriptionReading.objects.count()
            and reminded == len(self.reminded)
        )

    def recover(self, since: float) -> float:
        """Beat and systemd until everything is done; the seconds from `since` to the last piece of work done."""
        last, last_progress = None, time.monotonic()
        while not self.all_done():
            if time.monotonic() - since > DEADLINE:
                pytest.fail(f"not done {DEADLINE} s after the fault: {self.report()}")
            outbox.dispatch(ignore_backoff=True)
            outbox.sweep()
            self.reminders_tick()
            current = self.progress()
            if current != last:
                last, last_progress = current, time.monotonic()
            if self.worker.poll() is not None or time.monotonic() - last_progress > WATCHDOG_SECONDS:
                self.restart_worker()  # systemd: Restart=always, and the watchdog of a worker executing nothing
                last_progress = time.monotonic()
            time.sleep(0.5)
        return time.monotonic() - since

    def wait_for(self, condition, seconds: float = DEADLINE) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"not done after {seconds} s: {self.report()}")
            time.sleep(0.05)

    def report(self) -> str:
        thumbnails, delivered, read, reminded, mails = self.progress()
        return (
            f"thumbnails {thumbnails}/{self.files().count()}, notifications delivered "
            f"{delivered}/{self.notifications().count()}, readings {read}/{PrescriptionReading.objects.count()}, "
            f"reminders {reminded}/{len(self.reminded)}, e-mails written {mails}, worker restarts {self.restarts}"
        )

    def assert_each_piece_of_work_done_exactly_once(self) -> None:
        time.sleep(2)  # what is still in the broker (a message given twice) has its chance to run again
        outbox.dispatch(ignore_backoff=True)
        for record_file in self.files():
            assert record_file.thumbnail, record_file.pk
            assert record_file.thumbnail_failed_reason == ""
            assert len(thumbnails_of(record_file)) == 1, "a thumbnail made twice leaves a second picture"
        emails = self.notifications().filter(email_state=Delivery.SENT)
        assert not self.notifications().filter(email_state=Delivery.FAILED).exists()
        assert not self.notifications().filter(push_state=Delivery.FAILED).exists()
        assert self.notifications().filter(recipient=self.alice).count() == self.files().count()  # one per record
        assert self.emails_written() == {email_message_id(notification) for notification in emails}, (
            "one e-mail per notification"
        )
        for reading in PrescriptionReading.objects.all():
            assert reading.status == PrescriptionReading.Status.READY, reading.error
            assert [line["name"] for line in readings.proposal_lines(reading)] == ["DOLIPRANE 1000 mg, comprimé"]
        assert ReminderDispatch.objects.filter(patient_id__in=self.reminded).count() == len(self.reminded)
        assert set(ReminderDispatch.objects.values_list("status", flat=True)) == {ReminderDispatch.Status.SENT}
        reminded = self.notifications().filter(event=Event.REMINDER).values_list("recipient_id", flat=True)
        assert sorted(reminded) == sorted(self.reminded), "one reminder per patient"


def thumbnails_of(record_file: RecordFile) -> list[str]:
    """The pictures stored for this file's thumbnail (a second one gets a suffix in the same folder)."""
    folder = str(Path(record_file.thumbnail.name).parent)
    return [name for name in default_storage.listdir(folder)[1] if name.startswith(record_file.public_id.hex)]


@pytest.fixture
def stack(project_root, tmp_path, run_broker):
    with translation.override("en"):
        running = Stack(project_root, tmp_path, run_broker)
        yield running
        running.stop()


def test_work_survives_a_killed_pool_process_then_a_killed_worker_and_is_done_exactly_once(stack):
    stack.start_worker()
    stack.add_photos(4, "Before")
    stack.add_prescription()
    stack.add_reminder()
    stack.wait_for(lambda: stack.progress()[0] >= 1 and stack.pool_processes())
    fault = time.monotonic()
    os.kill(stack.pool_processes()[0], signal.SIGKILL)  # what the OOM killer does, in the middle of the work
    stack.recover(fault)
    stack.assert_each_piece_of_work_done_exactly_once()

    stack.add_photos(4, "After")
    stack.add_prescription()
    stack.add_reminder()
    stack.wait_for(lambda: stack.progress()[0] >= stack.files().count() - 3)
    fault = time.monotonic()
    os.killpg(stack.worker.pid, signal.SIGKILL)  # the main process, and its pool processes with it
    stack.worker.wait(timeout=30)
    stack.start_worker()
    stack.recover(fault)
    stack.assert_each_piece_of_work_done_exactly_once()


def test_work_given_while_the_broker_is_down_is_done_exactly_once_when_it_is_back(stack, client):
    stack.start_worker()
    stack.add_photos(1, "Before")
    stack.wait_for(lambda: stack.all_done())

    fault = time.monotonic()
    stack.broker.take_down()
    client.force_login(stack.bob)
    for number in range(3):
        response = client.post(
            reverse("health_records:create", args=[stack.alice.public_id]),
            {
                "kind": RecordKind.PHOTO,
                "title": f"While down {number}",
                "clinical_date": "2026-11-02",
                "files": [upload("photo.jpg", jpeg_bytes((640, 480)))],
            },
        )
        assert response.status_code == 302  # stored, whatever the broker said
    stack.add_prescription()
    stack.add_reminder()
    time.sleep(2)  # the worker meets the broker gone
    stack.broker.bring_back()

    stack.recover(fault)
    stack.assert_each_piece_of_work_done_exactly_once()


@pytest.mark.usefixtures("run_broker_cache")
def test_while_the_broker_is_down_pages_answer_and_healthz_says_so_then_ok_once_a_task_ran(stack, client, settings):
    settings.WORKER_STALE_SECONDS = 600
    stack.start_worker()
    stack.add_photos(1, "Before")
    stack.wait_for(lambda: stack.all_done() and client.get(reverse("healthz")).status_code == 200)

    stack.broker.take_down()
    client.force_login(stack.bob)
    started = time.monotonic()
    page = client.post(
        reverse("health_records:create", args=[stack.alice.public_id]),
        {
            "kind": RecordKind.PHOTO,
            "title": "While down",
            "clinical_date": "2026-11-02",
            "files": [upload("photo.jpg", jpeg_bytes((640, 480)))],
        },
    )
    api = client.post(
        reverse("api:patient-records", args=[stack.alice.public_id]),
        {
            "kind": RecordKind.PHOTO,
            "title": "While down, by the API",
            "clinical_date": "2026-11-02",
            "uploads": [upload("photo.jpg", jpeg_bytes((640, 480)))],
        },
    )
    answered_in = time.monotonic() - started
    health = client.get(reverse("healthz"))

    assert page.status_code == 302
    assert api.status_code == 201, api.content
    # Not a reconnection loop in the request: the outbox is the retry (a slow page past gunicorn's timeout is
    # an error page for the user, after the record was committed).
    assert answered_in < 5
    assert client.get(reverse("health_records:timeline", args=[stack.alice.public_id])).status_code == 200
    assert health.status_code == 503
    assert health.json()["broker"] == "down"
    assert "broker down" in health.json()["problems"]

    stack.broker.bring_back()
    stack.recover(time.monotonic())
    stack.wait_for(lambda: client.get(reverse("healthz")).status_code == 200)
    assert client.get(reverse("healthz")).json()["broker"] == "up"

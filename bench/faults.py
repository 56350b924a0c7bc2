"""Fault benchmark: is background work lost or done twice when the worker or the broker fails?

Starts its own stack on a throw-away VAR_DIR (SQLite and the embedded broker by default, DATABASE_URL when
set): a prefork Celery worker with two processes, as in production. In each scenario a professional adds
photo records to a patient's file; each queues, through the outbox, a thumbnail and an e-mail telling the
patient. One record in four is a prescription, a small text PDF: its reading proposes a medication. And a few
patients have a morning dose due a minute ago: beat's reminder tick (plan, dispatches to queue, the send task)
reminds each. Then the fault, then the recovery: the script runs the outbox dispatcher, the sweeper and the
reminder tick every second, as beat does every minute and every SWEEP_SECONDS (STUCK_AFTER_SECONDS and
REMINDER_REQUEUE_SECONDS are 10 here instead of 900 and 300, and the watchdog acts after 8 s instead of
WORKER_STALE_SECONDS, 600: in both, before the sweeper gives up).

With REDIS_URL set, the bench starts a redis-server of its own on a free port (never the machine's) and uses
it as broker and cache, as REDIS_URL does in production.

Scenarios:
- pool-child-killed: a pool process SIGKILLed while it works (what the OOM killer does);
- main-worker-killed: the worker's main process SIGKILLed while it works, then a new worker started;
- broker-folder-removed (embedded broker): its folder removed while the records are added, then put back
  and a worker started (every upload must still answer);
- redis-killed (REDIS_URL): the redis-server SIGKILLed while the worker works and the records are added (it
  comes back empty: what it held is lost), then started again on the same port.

Printed per scenario: work expected (thumbnails, notifications' e-mails, readings, reminders), done, shown failed
(the sweeper gave up after its attempts: the page says so), lost (neither, by the deadline), e-mails sent twice,
reminders sent twice, thumbnail files left over (a task killed after writing its picture, before saying so: the
retry writes another), failed
uploads, the restarts by the bench's watchdog (a pool jammed by a killed child executes nothing until its
worker is restarted: the bench restarts it after WATCHDOG_SECONDS without progress, the systemd watchdog after
WORKER_STALE_SECONDS), and the seconds from the fault to the last piece of work done; then a line per kind.

    .venv/bin/python bench/faults.py [--records 12] [--reminders 3] [--deadline 120]
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess  # nosec B404  # starts this benchmark's own worker and server
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-faults-")))
MAIL_DIR = VAR_DIR / "mail"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")
os.environ["STUCK_AFTER_SECONDS"] = "10"
os.environ["REMINDER_REQUEUE_SECONDS"] = "10"
os.environ["EMAIL_URL"] = f"filemail:///{MAIL_DIR}"


class PrivateRedis:
    """redis-server on a free port, without persistence: killed, it comes back empty, as after a crash."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=VAR_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603  # nosec B603  # a fixed command
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        sys.exit("redis-server did not answer within 30 s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


PRIVATE_REDIS = PrivateRedis() if os.environ.get("REDIS_URL") else None
if PRIVATE_REDIS is not None:
    PRIVATE_REDIS.start()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{PRIVATE_REDIS.port}/0"

import django

django.setup()

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from access.models import Permission, Scope
from accounts import services as accounts
from demo.records import report_pdf
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from notifications.models import Delivery, Event, Notification
from relyfe import outbox
from sharing import services as sharing
from treatments import services as treatments
from treatments.models import PrescriptionReading, ReminderDispatch
from treatments.tasks import send_due_reminders

# The bench's watchdog: a worker that made no progress for this long is restarted (production: the systemd
# watchdog, after WORKER_STALE_SECONDS without a task executed).
WATCHDOG_SECONDS = 8
WORKER = [sys.executable, "-m", "celery", "-A", "relyfe", "worker", "--pool=prefork", "--concurrency=2"]
WORKER += ["--without-mingle", "--without-gossip", "--loglevel=WARNING"]


def photo(number: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (20 * number % 256, 90, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile(f"photo-{number}.jpg", buffer.getvalue(), content_type="image/jpeg")


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  # nosec B603  # fixed arguments
        [*WORKER],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def pool_children(worker: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def emails_sent(to: str) -> int:
    if not MAIL_DIR.exists():
        return 0
    return sum(path.read_text(errors="replace").count(f"\nTo: {to}\n") for path in MAIL_DIR.iterdir())


def prescription(number: int) -> SimpleUploadedFile:
    """A small text PDF: read without OCR, it proposes one medication."""
    line = "DOLIPRANE 1000 mg, comprimé : 1 comprimé matin et soir pendant 5 jours"
    return SimpleUploadedFile(f"ordonnance-{number}.pdf", report_pdf("Ordonnance", [line]))


def sign_up(name: str):
    return accounts.patient_sign_up(
        email=f"{name}@faults.test",
        phone=None,
        password="bench-faults-2026",  # nosec B106  # a throw-away benchmark account
        first_name=name.title(),
        last_name="Patient",
        birth_date="1980-01-01",
        sex="female",
    )


def patient_of(professional, name: str):
    """A patient of each scenario's own, who gave the professional their file: what a scenario leaves in the
    queue (a jammed worker's tasks) is done later but never counted against the next one."""
    patient = sign_up(name)
    sharing.grant_give(actor=patient, professional=professional, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    return patient


def reminded_patient(name: str):
    """A patient whose morning dose was due a minute ago, where she lives: beat's next tick reminds her."""
    patient = sign_up(name)
    morning = (timezone.now().astimezone(ZoneInfo(patient.time_zone)) - timedelta(minutes=1)).time()
    reminder_settings = treatments.reminder_settings_ensure(patient=patient)
    reminder_settings.morning_at = morning.replace(second=0, microsecond=0)
    reminder_settings.save()
    treatment = treatments.treatment_create(
        actor=patient, patient=patient, title="Angine", start_date=timezone.localdate() - timedelta(days=1)
    )
    values = {"name": "DOLIPRANE 1000 mg, comprimé", "dose": 1, "dose_unit": "comprimé", "morning": True}
    treatments.medication_add(actor=patient, treatment=treatment, values=values)
    return patient


def reminders_tick() -> None:
    """Beat's `treatments.tasks.reminders_tick`, run here: the due dispatches go through the outbox, so a broker
    that is down only leaves them pending there."""
    send_due_reminders()


class Scenario:
    def __init__(self, name, patient, professional, count, reminder_count):
        self.name, self.patient, self.professional, self.count = name, patient, professional, count
        self.files: list[int] = []
        self.readings: list[int] = []
        self.reminded = [reminded_patient(f"{name}-reminded-{number}").pk for number in range(reminder_count)]
        self.upload_errors = 0
        self.restarts = 0

    def add_records(self, how_many):
        for number in range(how_many):
            is_prescription = number % 4 == 3
            try:
                record = records.health_record_create(
                    actor=self.professional,
                    patient=self.patient,
                    kind=RecordKind.PRESCRIPTION if is_prescription else RecordKind.PHOTO,
                    title=f"{self.name} {number}",
                    clinical_date=date(2026, 11, 1),
                    uploads=[check_upload(prescription(number) if is_prescription else photo(number))],
                )
            except Exception:
                self.upload_errors += 1
                continue
            self.files += list(record.files.values_list("pk", flat=True))
            self.readings += list(PrescriptionReading.objects.filter(record=record).values_list("pk", flat=True))

    def notifications(self):
        return Notification.objects.filter(recipient_id__in=[self.patient.pk, *self.reminded])

    def dispatches(self):
        return ReminderDispatch.objects.filter(patient_id__in=self.reminded)

    def state(self):
        """(thumbnails, notifications delivered, readings done, reminders sent), and the totals expected."""
        thumbnails = RecordFile.objects.filter(pk__in=self.files).exclude(thumbnail="").count()
        delivered = self.notifications().exclude(email_state=Delivery.PENDING).exclude(push_state=Delivery.PENDING)
        done_readings = PrescriptionReading.objects.filter(
            pk__in=self.readings, status=PrescriptionReading.Status.READY
        )
        sent = self.dispatches().filter(status=ReminderDispatch.Status.SENT)
        done = (thumbnails, delivered.count(), done_readings.count(), sent.count())
        expected = (len(self.files), self.notifications().count(), len(self.readings), len(self.reminded))
        return done, expected

    def failed(self):
        """Work the sweeper gave up on after its attempts: shown failed, with a reason, not silently lost."""
        thumbnails = RecordFile.objects.filter(pk__in=self.files, thumbnail="").exclude(thumbnail_failed_reason="")
        notifications = self.notifications().filter(Q(email_state=Delivery.FAILED) | Q(push_state=Delivery.FAILED))
        readings = PrescriptionReading.objects.filter(pk__in=self.readings, status=PrescriptionReading.Status.FAILED)
        late = self.dispatches().filter(status=ReminderDispatch.Status.LATE)
        return (thumbnails.count(), notifications.count(), readings.count(), late.count())

    def settled(self):
        done, expected = self.state()
        counts = zip(done, self.failed(), expected, strict=True)
        return all(each_done + failed == total for each_done, failed, total in counts)

    def recover(self, deadline, since, workers):
        """Runs the dispatcher, the sweeper and the reminder tick until the work is done; restarts the worker
        (workers[0]) when it exited (systemd's Restart=always) or nothing progressed for WATCHDOG_SECONDS (the
        systemd watchdog, after WORKER_STALE_SECONDS)."""
        last_progress, previous, watched = since, None, since
        while time.monotonic() - since < deadline:
            outbox.dispatch(ignore_backoff=True)
            outbox.sweep()
            reminders_tick()
            current = self.state()[0]
            if current != previous:
                last_progress, previous, watched = time.monotonic(), current, time.monotonic()
            if self.settled():
                break
            if workers[0].poll() is not None or time.monotonic() - watched > WATCHDOG_SECONDS:
                stop(workers[0])
                workers[0] = start_worker()
                self.restarts += 1
                watched = time.monotonic()
            time.sleep(1)
        return last_progress - since

    def report(self, seconds):
        time.sleep(2)  # a message given twice has its chance to run again before the counting
        done, expected = self.state()
        failed = self.failed()
        emails = self.notifications().filter(email_state=Delivery.SENT).count()
        emails_twice = max(0, sum(emails_sent(email) for email in self.addresses()) - emails)
        reminded = self.notifications().filter(event=Event.REMINDER).values_list("recipient_id", flat=True)
        reminders_twice = len(reminded) - len(set(reminded))
        stored = sum(1 for _ in (Path(settings.MEDIA_ROOT) / "thumbnails").rglob("*.jpg"))
        extra_thumbnails = max(0, stored - RecordFile.objects.exclude(thumbnail="").count())
        lost = sum(expected) - sum(done) - sum(failed)
        print(
            f"{self.name:<22} expected {sum(expected):>3}  done {sum(done):>3}  shown failed {sum(failed):>2}  "
            f"lost {lost:>2}  e-mails sent twice {emails_twice:>2}  reminders sent twice {reminders_twice:>2}  "
            f"thumbnail files left over {extra_thumbnails:>2}  failed uploads {self.upload_errors:>2}  "
            f"watchdog restarts {self.restarts}  recovered in {seconds:5.1f} s"
        )
        kinds = ("thumbnails", "notifications", "readings", "reminders")
        print(
            " " * 23
            + "  ".join(
                f"{kind} {each_done}/{total}" + (f" ({each_failed} failed)" if each_failed else "")
                for kind, each_done, each_failed, total in zip(kinds, done, failed, expected, strict=True)
            )
        )

    def addresses(self):
        return [
            self.patient.email,
            *(f"{self.name}-reminded-{number}@faults.test" for number in range(len(self.reminded))),
        ]


def until_work_started(scenario):
    while scenario.state()[0][0] == 0:
        time.sleep(0.05)


def pool_child_killed(professional, count, reminder_count, deadline):
    scenario = Scenario("pool-child-killed", patient_of(professional, "pool"), professional, count, reminder_count)
    workers = [start_worker()]
    try:
        scenario.add_records(count)
        reminders_tick()
        while not pool_children(workers[0]):
            time.sleep(0.1)
        until_work_started(scenario)
        fault = time.monotonic()
        os.kill(pool_children(workers[0])[0], signal.SIGKILL)
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def main_worker_killed(professional, count, reminder_count, deadline):
    scenario = Scenario("main-worker-killed", patient_of(professional, "main"), professional, count, reminder_count)
    workers = [start_worker()]
    try:
        scenario.add_records(count)
        reminders_tick()
        until_work_started(scenario)
        fault = time.monotonic()
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=30)
        workers[0] = start_worker()
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def broker_folder_removed(professional, count, reminder_count, deadline):
    scenario = Scenario(
        "broker-folder-removed", patient_of(professional, "broker"), professional, count, reminder_count
    )
    broker = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
    shutil.rmtree(broker)
    fault = time.monotonic()
    scenario.add_records(count)
    reminders_tick()
    for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(folder, str) and folder.startswith(str(broker)):
            Path(folder).mkdir(parents=True, exist_ok=True)
    workers = [start_worker()]
    try:
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def redis_killed(professional, count, reminder_count, deadline):
    """The redis-server killed while the worker works and records are added; started again (empty) after."""
    assert PRIVATE_REDIS is not None  # nosec B101  # narrows the type; the scenario runs only with it
    scenario = Scenario("redis-killed", patient_of(professional, "redis"), professional, count, reminder_count)
    workers = [start_worker()]
    try:
        scenario.add_records(count // 2)
        reminders_tick()
        until_work_started(scenario)
        fault = time.monotonic()
        PRIVATE_REDIS.kill()
        scenario.add_records(count - count // 2)
        time.sleep(2)
        PRIVATE_REDIS.start()
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=12)
    parser.add_argument("--reminders", type=int, default=3)
    parser.add_argument("--deadline", type=int, default=120)
    arguments = parser.parse_args()
    call_command("migrate", verbosity=0)
    professional = accounts.professional_sign_up(
        email="doctor@faults.test",
        phone=None,
        password="bench-faults-2026",  # nosec B106  # a throw-away benchmark account
        first_name="Dora",
        last_name="Doctor",
        profession="doctor",
        specialty="",
        rpps="10003456786",
        city="Lyon",
    )
    broker = f"a private redis-server ({settings.CELERY_BROKER_URL})" if PRIVATE_REDIS else "the embedded broker"
    print(
        f"VAR_DIR {VAR_DIR}; database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}; {broker}; "
        f"{arguments.records} records per scenario (a thumbnail and an e-mail each, one in four a prescription "
        f"to read) and {arguments.reminders} patients to remind"
    )
    outage = redis_killed if PRIVATE_REDIS else broker_folder_removed
    try:
        for scenario in (pool_child_killed, main_worker_killed, outage):
            scenario(professional, arguments.records, arguments.reminders, arguments.deadline)
    finally:
        if PRIVATE_REDIS is not None:
            PRIVATE_REDIS.kill()


if __name__ == "__main__":
    main()

"""Fault benchmark: is background work lost or done twice when the worker or the broker fails?

Starts its own stack on a throw-away VAR_DIR (SQLite and the embedded broker by default, DATABASE_URL when
set): a prefork Celery worker with two processes, as in production. In each scenario a professional adds
photo records to a patient's file; each queues, through the outbox, a thumbnail and an e-mail telling the
patient. Then the fault, then the recovery: the script runs the outbox dispatcher and the sweeper every
second, as beat does every minute and every SWEEP_SECONDS (STUCK_AFTER_SECONDS is 10 here instead of 900,
and the watchdog acts after 8 s instead of WORKER_STALE_SECONDS, 600: in both, before the sweeper gives up).

Scenarios:
- pool-child-killed: a pool process SIGKILLed while it works (what the OOM killer does);
- main-worker-killed: the worker's main process SIGKILLed while it works, then a new worker started;
- broker-folder-removed: the embedded broker's folder removed while the records are added, then put back
  and a worker started (every upload must still answer).

Printed per scenario: work expected, done, shown failed (the sweeper gave up after its attempts: the page says
so), lost (neither, by the deadline), e-mails sent twice, thumbnail
files left over (a task killed after writing its picture, before saying so: the retry writes another), failed
uploads, the restarts by the bench's watchdog (a pool jammed by a killed child executes nothing until its
worker is restarted: the bench restarts it after WATCHDOG_SECONDS without progress, the systemd watchdog after
WORKER_STALE_SECONDS), and the seconds from the fault to the last piece of work done.

    .venv/bin/python bench/faults.py [--records 12] [--deadline 120]
"""

import argparse
import os
import shutil
import signal
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
os.environ["EMAIL_URL"] = f"filemail:///{MAIL_DIR}"

import django

django.setup()

import io
from datetime import date

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from access.models import Permission, Scope
from accounts import services as accounts
from documents.uploads import check_upload
from health_records import services as records
from health_records.models import RecordFile, RecordKind
from notifications.models import Delivery, Notification
from relyfe import outbox
from sharing import services as sharing

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


def patient_of(professional, name: str):
    """A patient of each scenario's own, who gave the professional their file: what a scenario leaves in the
    queue (a jammed worker's tasks) is done later but never counted against the next one."""
    patient = accounts.patient_sign_up(
        email=f"{name}@faults.test",
        phone=None,
        password="bench-faults-2026",  # nosec B106  # a throw-away benchmark account
        first_name=name.title(),
        last_name="Patient",
        birth_date="1980-01-01",
        sex="female",
    )
    sharing.grant_give(actor=patient, professional=professional, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    return patient


class Scenario:
    def __init__(self, name, patient, professional, count):
        self.name, self.patient, self.professional, self.count = name, patient, professional, count
        self.files: list[int] = []
        self.upload_errors = 0
        self.restarts = 0

    def add_records(self, how_many):
        for number in range(how_many):
            try:
                record = records.health_record_create(
                    actor=self.professional,
                    patient=self.patient,
                    kind=RecordKind.PHOTO,
                    title=f"{self.name} {number}",
                    clinical_date=date(2026, 11, 1),
                    uploads=[check_upload(photo(number))],
                )
            except Exception:
                self.upload_errors += 1
                continue
            self.files += list(record.files.values_list("pk", flat=True))

    def notifications(self):
        return Notification.objects.filter(recipient=self.patient)

    def state(self):
        thumbnails = RecordFile.objects.filter(pk__in=self.files).exclude(thumbnail="").count()
        mails = [each.email_state for each in self.notifications()]
        done_mails = sum(state in (Delivery.SENT, Delivery.SKIPPED) for state in mails)
        return thumbnails, done_mails, len(mails)

    def failed(self):
        """Work the sweeper gave up on after its attempts: shown failed, with a reason, not silently lost."""
        thumbnails = RecordFile.objects.filter(pk__in=self.files).exclude(thumbnail_failed_reason="")
        mails = self.notifications().filter(email_state=Delivery.FAILED)
        return thumbnails.filter(thumbnail="").count() + mails.count()

    def done(self):
        thumbnails, done_mails, mails = self.state()
        return thumbnails == len(self.files) and done_mails == mails

    def recover(self, deadline, since, workers):
        """Runs the dispatcher and the sweeper until the work is done; restarts the worker (workers[0]) when
        nothing progressed for WATCHDOG_SECONDS, as the systemd watchdog does after WORKER_STALE_SECONDS."""
        last_progress, previous, watched = since, None, since
        while time.monotonic() - since < deadline:
            outbox.dispatch(ignore_backoff=True)
            outbox.sweep()
            current = self.state()
            if current != previous:
                last_progress, previous, watched = time.monotonic(), current, time.monotonic()
            if self.done() or sum(current[:2]) + self.failed() == len(self.files) + current[2]:
                break
            if time.monotonic() - watched > WATCHDOG_SECONDS:
                stop(workers[0])
                workers[0] = start_worker()
                self.restarts += 1
                watched = time.monotonic()
            time.sleep(1)
        return last_progress - since

    def report(self, seconds):
        thumbnails, done_mails, mails = self.state()
        sent = emails_sent(self.patient.email)
        expected = len(self.files) + mails
        stored = sum(1 for _ in (Path(settings.MEDIA_ROOT) / "thumbnails").rglob("*.jpg"))
        extra_thumbnails = max(0, stored - RecordFile.objects.exclude(thumbnail="").count())
        print(
            f"{self.name:<22} expected {expected:>3}  done {thumbnails + done_mails:>3}  "
            f"shown failed {self.failed():>2}  lost {expected - thumbnails - done_mails - self.failed():>2}  "
            f"e-mails sent twice {max(0, sent - mails):>2}  "
            f"thumbnail files left over {extra_thumbnails:>2}  failed uploads {self.upload_errors:>2}  "
            f"watchdog restarts {self.restarts}  "
            f"recovered in {seconds:5.1f} s"
        )


def pool_child_killed(professional, count, deadline):
    scenario = Scenario("pool-child-killed", patient_of(professional, "pool"), professional, count)
    workers = [start_worker()]
    try:
        scenario.add_records(count)
        while not pool_children(workers[0]):
            time.sleep(0.1)
        while scenario.state()[0] == 0:
            time.sleep(0.05)
        fault = time.monotonic()
        os.kill(pool_children(workers[0])[0], signal.SIGKILL)
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def main_worker_killed(professional, count, deadline):
    scenario = Scenario("main-worker-killed", patient_of(professional, "main"), professional, count)
    workers = [start_worker()]
    try:
        scenario.add_records(count)
        while scenario.state()[0] == 0:
            time.sleep(0.05)
        fault = time.monotonic()
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=30)
        workers[0] = start_worker()
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def broker_folder_removed(professional, count, deadline):
    scenario = Scenario("broker-folder-removed", patient_of(professional, "broker"), professional, count)
    broker = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
    shutil.rmtree(broker)
    fault = time.monotonic()
    scenario.add_records(count)
    for folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(folder, str) and folder.startswith(str(broker)):
            Path(folder).mkdir(parents=True, exist_ok=True)
    workers = [start_worker()]
    try:
        scenario.report(scenario.recover(deadline, fault, workers))
    finally:
        stop(workers[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=12)
    parser.add_argument("--deadline", type=int, default=120)
    arguments = parser.parse_args()
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        sys.exit("bench/faults.py runs on the embedded broker (no REDIS_URL).")
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
    print(f"VAR_DIR {VAR_DIR}; {arguments.records} photo records per scenario (a thumbnail and an e-mail each)")
    for scenario in (pool_child_killed, main_worker_killed, broker_folder_removed):
        scenario(professional, arguments.records, arguments.deadline)


if __name__ == "__main__":
    main()

"""Reminder dispatch benchmark: N patients (20,000 by default) with 5 active medications each, all due at 08:00.

Times one moment end to end as production runs it: beat's tick cuts the patients into REMINDER_PARTITIONS ranges,
and worker processes (real processes, forked, each with its own database connection) take the ranges' tasks —
each plans its range (dispatches and intakes written) then sends it, REMINDER_SEND_BATCH reminders per
transaction (one statement claims a batch, its notifications are inserted together, their e-mails queued in
batches). Runs with 1 worker, then with 4 (or --workers), on the same patients; each run is done twice, the
second time to show that nothing is sent again. Prints, per run: planned, sent, duplicates (must be 0), queries
per reminder, seconds. Runs on a throw-away test database; meant for PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relyfe .venv/bin/python bench/reminders.py --patients 100000
"""

import argparse
import datetime
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, connections
from django.db.models import Count
from django.test.utils import setup_test_environment

from accounts.models import PatientProfile, Role, User
from notifications.models import Delivery, Notification, NotificationPreference
from relyfe.models import OutboxMessage
from treatments import reminders
from treatments.models import Intake, Medication, ReminderDispatch, ReminderSettings, Treatment

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 2, 10, 8, 0, 30, tzinfo=PARIS)


def populate(patient_count: int, medications_per_patient: int, email_every: int):
    password = make_password("bench-password-2026")
    users = User.objects.bulk_create(
        [
            User(
                email=f"patient{number}@bench.test",
                role=Role.PATIENT,
                first_name="P",
                last_name=str(number),
                password=password,
                time_zone="Europe/Paris",
            )
            for number in range(patient_count)
        ],
        batch_size=2000,
    )
    PatientProfile.objects.bulk_create([PatientProfile(user=user) for user in users], batch_size=2000)
    ReminderSettings.objects.bulk_create([ReminderSettings(patient=user) for user in users], batch_size=2000)
    # Some patients asked for their reminders by e-mail too: their deliveries are fanned out in batches.
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, event="reminder", email=True) for user in users[::email_every]],
        batch_size=2000,
    )
    start = datetime.date(2026, 2, 1)
    treatments = Treatment.objects.bulk_create(
        [Treatment(patient=user, title="Traitement", start_date=start, created_by=user) for user in users],
        batch_size=2000,
    )
    Medication.objects.bulk_create(
        [
            Medication(
                treatment=treatment,
                name=f"MEDICAMENT {index}",
                morning=True,
                evening=index % 2 == 0,
                start_date=start,
                created_by_id=treatment.patient_id,
            )
            for treatment in treatments
            for index in range(medications_per_patient)
        ],
        batch_size=5000,
    )


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def worker_ready(_):
    """Opens the worker's connection before the clock starts, as a running worker has one."""
    connection.ensure_connection()
    return os.getpid()


def partition_task(bounds):
    """What `treatments.tasks.plan_and_send_reminders` does, at the benchmark's fixed time, counted."""
    low, high = bounds
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        planned = reminders.plan(now=NOW, low=low, high=high)
        planning = time.perf_counter() - started
        started = time.perf_counter()
        sent = reminders.dispatches_send(now=NOW, low=low, high=high)
        sending = time.perf_counter() - started
    return planned, sent, counter.count, planning, sending


def tick():
    """Beat's part: the late marked late and the ranges cut (their tasks are what the pool runs)."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        reminders.dispatches_to_queue(now=NOW)
        bounds = reminders.partitions(settings.REMINDER_PARTITIONS)
    return bounds, counter.count


def reset():
    """Back to the moment before 08:00, patients and medications kept."""
    Intake.objects.all().delete()
    ReminderDispatch.objects.all().delete()
    Notification.objects.all().delete()
    OutboxMessage.objects.all().delete()


def duplicates() -> int:
    """Reminders told twice: a patient with more than one reminder notification, or a dispatch sent twice."""
    extra_notifications = sum(
        each["told"] - 1
        for each in Notification.objects.filter(event="reminder")
        .values("recipient")
        .annotate(told=Count("pk"))
        .filter(told__gt=1)
    )
    extra_dispatches = sum(
        each["rows"] - 1
        for each in ReminderDispatch.objects.values("patient", "local_date", "moment")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
    )
    return extra_notifications + extra_dispatches


def run(pool, label):
    started = time.perf_counter()
    bounds, tick_queries = tick()
    results = pool.map(partition_task, bounds, chunksize=1)
    seconds = time.perf_counter() - started
    planned = sum(result[0] for result in results)
    sent = sum(result[1] for result in results)
    queries = tick_queries + sum(result[2] for result in results)
    per_reminder = f"{queries / sent:.3f}" if sent else f"- ({queries} in all)"
    print(
        f"  {label}: planned {planned}, sent {sent}, duplicates {duplicates()}, "
        f"queries per reminder {per_reminder}, {seconds:.1f} s "
        f"(longest range: plan {max(result[3] for result in results):.1f} s, "
        f"send {max(result[4] for result in results):.1f} s)",
        flush=True,
    )
    return sent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--medications", type=int, default=5, help="per patient")
    parser.add_argument("--workers", default="1,4", help="worker process counts to run, comma-separated")
    parser.add_argument("--email-every", type=int, default=10, help="one patient in N gets reminders by e-mail")
    arguments = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        populate(arguments.patients, arguments.medications, arguments.email_every)
        print(
            f"database: {connection.vendor}; {arguments.patients} patients, "
            f"{Medication.objects.count()} active medications (made in {time.perf_counter() - started:.0f} s); "
            f"{os.cpu_count()} cores; REMINDER_PARTITIONS={settings.REMINDER_PARTITIONS}, "
            f"REMINDER_SEND_BATCH={settings.REMINDER_SEND_BATCH}",
            flush=True,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics, as a database that has been running has
        for workers in [int(each) for each in arguments.workers.split(",")]:
            reset()
            connections.close_all()  # each forked worker opens its own
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pool.map(worker_ready, range(workers), chunksize=1)
                print(f"{workers} worker process{'es' if workers > 1 else ''}:", flush=True)
                run(pool, "first run")
                run(pool, "same moment again")
            deliveries = Notification.objects.filter(email_state=Delivery.PENDING).count()
            batches = OutboxMessage.objects.filter(task="notifications.tasks.notification_emails_send").count()
            print(f"  e-mails to deliver afterwards: {deliveries}, in {batches} queued batches", flush=True)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Reminder dispatch benchmark: 20,000 patients with 100,000 active medications, all due at 08:00.

Times one moment's dispatch end to end — the due reminders found and their rows written (plan), handed to
workers (queue), each sent (a notification per patient, its e-mail or push queued) — counts the queries,
then runs the same moment again to show that nothing is sent twice. Runs on a throw-away test database;
meant for PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relyfe .venv/bin/python bench/reminders.py
"""

import argparse
import datetime
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

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment

from accounts.models import PatientProfile, Role, User
from notifications.models import Notification
from treatments import reminders
from treatments.models import Medication, ReminderDispatch, ReminderSettings, Treatment

PARIS = ZoneInfo("Europe/Paris")


def populate(patient_count: int, medications_per_patient: int):
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


def dispatch_moment(now):
    """One tick's work, done in this process: what beat and the workers do between them."""
    timings = {}
    connection.queries_log.clear()  # it keeps 9,000 queries at most: counts would stall once it is full
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as plan_queries:
        created = reminders.plan(now=now)
    timings["plan"] = time.perf_counter() - started
    plan_query_count = len(plan_queries)
    started = time.perf_counter()
    dispatch_ids = reminders.dispatches_to_queue(now=now)
    timings["queue"] = time.perf_counter() - started
    started = time.perf_counter()
    sent = 0
    send_queries = 0
    for batch_start in range(0, len(dispatch_ids), reminders.SEND_BATCH):
        batch = dispatch_ids[batch_start : batch_start + reminders.SEND_BATCH]
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as one_batch:
            sent += reminders.dispatch_send_many(dispatch_ids=batch, now=now)
        send_queries = max(send_queries, len(one_batch.captured_queries) // len(batch))
    timings["send"] = time.perf_counter() - started
    return created, len(dispatch_ids), sent, plan_query_count, send_queries, timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--medications", type=int, default=5, help="per patient")
    arguments = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        populate(arguments.patients, arguments.medications)
        print(
            f"database: {connection.vendor}; {arguments.patients} patients, "
            f"{Medication.objects.count()} active medications (made in {time.perf_counter() - started:.0f} s)"
        )
        now = datetime.datetime(2026, 2, 10, 8, 0, 30, tzinfo=PARIS)
        for label in ("first run", "same moment again"):
            created, queued, sent, plan_queries, send_queries, timings = dispatch_moment(now)
            total = sum(timings.values())
            print(
                f"{label}: {created} reminders planned, {queued} queued, {sent} sent; "
                f"plan {timings['plan']:.1f} s ({plan_queries} queries), queue {timings['queue']:.2f} s, "
                f"send {timings['send']:.1f} s ({send_queries} queries per reminder, "
                f"batches of {reminders.SEND_BATCH}); total {total:.1f} s"
            )
        print(
            f"notifications: {Notification.objects.filter(event='reminder').count()}, "
            f"dispatch rows: {ReminderDispatch.objects.count()} (one per patient: no duplicate)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Timeline benchmark: a patient with 1,000 records of 3 files each.

Prints the queries per timeline page, and the median server time of a timeline page and of a record
page next to the median time of a minimal Django view measured in the same run (the ratio is the
figure to watch: it does not depend on the machine). Runs on a throw-away test database: SQLite by
default, PostgreSQL when DATABASE_URL is set.

    .venv/bin/python bench/timeline.py [--records 1000] [--rounds 30]
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="relyfe-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

import django

django.setup()

from datetime import date, timedelta

from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import include, path, reverse

from accounts import services as accounts
from health_records.models import HealthRecord, RecordFile, RecordKind, Tag


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal/", minimal), path("", include("relyfe.urls"))]


def make_patient(record_count: int):
    patient = accounts.patient_sign_up(
        email="bench@example.org",
        phone=None,
        password="bench-password-2026",  # nosec B106  # a throw-away benchmark account
        first_name="Bench",
        last_name="Patient",
    )
    kinds = RecordKind.values
    tags = [Tag.objects.create(patient=patient, name=name) for name in ("cardiologie", "genou", "bilan")]
    records = HealthRecord.objects.bulk_create(
        HealthRecord(
            patient=patient,
            author=patient,
            kind=kinds[number % len(kinds)],
            title=f"Compte rendu {number}",
            clinical_date=date(2026, 11, 1) - timedelta(days=number),
            description="Consultation de suivi, examen clinique normal.",
        )
        for number in range(record_count)
    )
    HealthRecord.tags.through.objects.bulk_create(
        HealthRecord.tags.through(healthrecord_id=record.pk, tag_id=tags[index % 3].pk)
        for index, record in enumerate(records)
    )
    RecordFile.objects.bulk_create(
        RecordFile(
            record=record,
            file=f"records/bench/{record.pk}-{position}.jpg",
            original_name=f"scan-{record.pk}-{position}.jpg",
            content_type="image/jpeg",
            extension=".jpg",
            size=120_000,
            uploaded_by=patient,
        )
        for record in records
        for position in range(3)
    )
    return patient, records


def median_ms(client: Client, url: str, rounds: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of a request. The CPU time of this process (client, server and SQLite
    all run in it) is the steadier figure on a machine other processes share."""
    client.get(url)  # warm-up: templates compiled, caches filled
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)  # nosec B101  # the benchmark's own check, run by hand
    return statistics.median(wall), statistics.median(cpu)


def profile_page(client: Client, url: str) -> None:
    """cProfile of 20 timeline pages: the functions with the most time, cumulative and their own."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="print where a timeline page spends its time")
    parser.add_argument("--queries", action="store_true", help="print the SQL of a timeline page")
    arguments = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
            patient, records = make_patient(arguments.records)
            if connection.vendor == "postgresql":  # statistics, as autovacuum keeps them (see bench/load.py)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            client = Client()
            client.force_login(patient)
            timeline = reverse("health_records:timeline", args=[patient.public_id])
            record_page = reverse("health_records:detail", args=[records[len(records) // 2].public_id])
            connection.queries_log.clear()  # creating the database filled it up to its maximum length
            with CaptureQueriesContext(connection) as queries:
                client.get(timeline)
            query_count = len(queries)
            if arguments.queries:
                for query in queries.captured_queries:
                    print(query["sql"][:300])
            if arguments.profile:
                profile_page(client, timeline)
            minimal_ms = median_ms(client, "/bench/minimal/", arguments.rounds)
            timeline_ms = median_ms(client, timeline, arguments.rounds)
            record_ms = median_ms(client, record_page, arguments.rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; {arguments.records} records, {3 * arguments.records} files")
    print(f"queries per timeline page: {query_count}")
    pages = (("minimal Django view", minimal_ms), ("timeline page", timeline_ms), ("record page", record_ms))
    for name, (wall, cpu) in pages:
        print(
            f"{name + ':':21} {wall:7.2f} ms median ({wall / minimal_ms[0]:5.1f}x the minimal view), "
            f"CPU {cpu:7.2f} ms ({cpu / minimal_ms[1]:5.1f}x)"
        )


if __name__ == "__main__":
    main()

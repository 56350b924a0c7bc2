"""Data portability benchmark: "Download all my data" and its import, on a patient with many records.

A patient with N records of one photo each (real JPEG files in the storage) and a treatment of 20 medications.
Prints the seconds the export job takes (FHIR Bundle built and validated, files zipped, PDF summary), the ZIP's
size and the Bundle's entries and queries; then the seconds the import takes to read that ZIP back into another
account (every file through the upload checks) and to confirm it. Runs on a throw-away test database: SQLite by
default, PostgreSQL when DATABASE_URL is set.

    .venv/bin/python bench/portability.py [--records 300]
"""

import argparse
import io
import os
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

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext, setup_test_environment
from PIL import Image

from accounts import services as accounts
from health_records.models import HealthRecord, RecordFile, RecordKind
from portability import export_services, import_services
from portability.import_models import ImportJob
from treatments.models import Medication, Treatment


def photo(number: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (number % 255, 120, 200 - number % 200)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def patient(email: str):
    return accounts.patient_sign_up(
        email=email,
        phone=None,
        password="bench-password-2026",  # nosec B106  # a throw-away benchmark account  # pragma: allowlist secret
        first_name="Bench",
        last_name="Patient",
    )


def make_file(owner, record_count: int) -> None:
    kinds = [kind for kind in RecordKind.values if kind != "prescription"]
    records = HealthRecord.objects.bulk_create(
        HealthRecord(
            patient=owner,
            author=owner,
            kind=kinds[number % len(kinds)],
            title=f"Compte rendu {number}",
            clinical_date=date(2026, 11, 1) - timedelta(days=number),
            description="Consultation de suivi, examen clinique normal.",
        )
        for number in range(record_count)
    )
    files = []
    for record in records:
        content = photo(record.pk)
        key = default_storage.save(f"records/bench/{record.pk}.jpg", ContentFile(content))
        files.append(
            RecordFile(
                record=record,
                file=key,
                original_name=f"photo-{record.pk}.jpg",
                content_type="image/jpeg",
                extension=".jpg",
                size=len(content),
                width=640,
                height=480,
                uploaded_by=owner,
            )
        )
    RecordFile.objects.bulk_create(files)
    treatment = Treatment.objects.create(patient=owner, created_by=owner, start_date=date(2026, 10, 1))
    Medication.objects.bulk_create(
        Medication(
            treatment=treatment,
            created_by=owner,
            name=f"MÉDICAMENT {number} 10 mg",
            start_date=date(2026, 10, 1),
            morning=True,
            evening=True,
        )
        for number in range(20)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    arguments = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        owner = patient("bench@example.org")
        make_file(owner, arguments.records)

        job = export_services.export_request(actor=owner, patient=owner)
        connection.queries_log.clear()
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            export_services.export_run(export_job_id=job.pk)
        export_seconds = time.perf_counter() - start
        job.refresh_from_db()
        with job.file.open("rb") as stored:
            archive = stored.read()

        other = patient("other@example.org")
        start = time.perf_counter()
        imported = import_services.import_job_create(
            actor=other, uploaded=SimpleUploadedFile("relyfe-export.zip", archive)
        )
        import_services.import_job_run(job_id=imported.pk)
        read_seconds = time.perf_counter() - start
        imported.refresh_from_db()
        start = time.perf_counter()
        import_services.import_job_confirm(actor=other, job=imported, edits={})
        confirm_seconds = time.perf_counter() - start
        copied = HealthRecord.objects.filter(patient=other).count()
        copied_files = RecordFile.objects.filter(record__patient=other).count()
        status = ImportJob.objects.get(pk=imported.pk).status
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; {arguments.records} records of one photo each, 20 medications")
    print(f"export job:     {export_seconds:7.2f} s  ({len(queries)} queries), ZIP {len(archive) / 1e6:.1f} MB")
    print(f"import reading: {read_seconds:7.2f} s  (every file through the upload checks)")
    print(f"import confirm: {confirm_seconds:7.2f} s  -> {copied} records, {copied_files} files ({status})")


if __name__ == "__main__":
    main()

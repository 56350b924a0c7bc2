"""deploy/backup.py on the real PostgreSQL: back up, wipe the database and the files, restore, and the patient
finds her record and its photo again; with the files on S3 too."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from health_records.models import HealthRecord, RecordFile
from tests.conftest import database_url_of_tests
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.s3 import http_get

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stored_count(folder: str = "") -> int:
    folders, files = default_storage.listdir(folder)
    return len(files) + sum(stored_count(f"{folder}{child}/") for child in folders)


def run_backup(action: str, folder, **environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "deploy/backup.py", action, str(folder)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url_of_tests(), "SECRET_KEY": settings.SECRET_KEY, **environment},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_brings_back_a_patients_records_and_files_after_a_wipe(client, alice, tmp_path):
    record = HealthRecordFactory(patient=alice, title="Radiographie du genou")
    photo = RecordFileFactory(record=record)
    with default_storage.open(photo.file.name, "rb") as stored:
        photo_bytes = stored.read()
    folder = tmp_path / "backup"

    backed_up = run_backup("backup", folder)
    assert backed_up.returncode == 0, backed_up.stderr
    # Every file of the store: this test's photo, and those of the tests this worker ran before.
    assert f"the database and {stored_count()} files" in backed_up.stdout
    assert {path.name for path in folder.iterdir()} == {"database.dump", "files.tar", "manifest.json"}

    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete(photo.file.name)
    assert not HealthRecord.objects.exists() and not default_storage.exists(photo.file.name)
    connection.close()

    restored = run_backup("restore", folder)
    assert restored.returncode == 0, restored.stderr

    restored_file = RecordFile.objects.get(public_id=photo.public_id)
    assert restored_file.record.title == "Radiographie du genou"
    assert restored_file.record.patient.email == alice.email
    client.force_login(restored_file.record.patient)
    timeline = client.get(reverse("health_records:timeline", kwargs={"patient_id": alice.public_id}))
    assert "Radiographie du genou" in timeline.text
    download = client.get(reverse("health_records:file_download", kwargs={"file_id": photo.public_id}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == photo_bytes


def test_a_restore_refuses_files_that_differ_from_the_backup(alice, tmp_path):
    photo = RecordFileFactory(record=HealthRecordFactory(patient=alice))
    folder = tmp_path / "backup"
    assert run_backup("backup", folder).returncode == 0
    manifest = (folder / "manifest.json").read_text()
    (folder / "manifest.json").write_text(manifest.replace(photo.file.name + '": "', photo.file.name + '": "0'))
    connection.close()

    restored = run_backup("restore", folder)

    assert restored.returncode == 1
    assert f"different: {photo.file.name}" in restored.stderr


def test_a_backup_of_an_s3_store_brings_its_objects_back_into_an_emptied_bucket(client, alice, s3, tmp_path):
    """STORAGE=s3 (tests/s3.py): the script, in its own process, reaches the bucket over HTTP as it would
    reach S3 or MinIO, configured by the same environment variables as the site."""
    record = HealthRecordFactory(patient=alice, title="Échographie")
    photo = RecordFileFactory(record=record)
    other = RecordFileFactory(record=HealthRecordFactory(patient=alice))
    objects = {key: s3.read(key) for key in s3.object_keys()}
    content_types = {key: s3.client.head_object(Bucket=s3.bucket, Key=key)["ContentType"] for key in objects}
    assert {photo.file.name, other.file.name} <= set(objects)
    folder = tmp_path / "backup"
    store = {
        "STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": s3.bucket,
        "AWS_S3_REGION_NAME": s3.region,
        "AWS_S3_ENDPOINT_URL": s3.endpoint,
    }

    backed_up = run_backup("backup", folder, **store)
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"the database and {len(objects)} files" in backed_up.stdout

    call_command("flush", interactive=False, verbosity=0)
    s3.empty()
    assert not s3.object_keys()
    connection.close()

    restored = run_backup("restore", folder, **store)
    assert restored.returncode == 0, restored.stderr

    assert {key: s3.read(key) for key in s3.object_keys()} == objects
    assert {key: s3.client.head_object(Bucket=s3.bucket, Key=key)["ContentType"] for key in objects} == content_types
    restored_file = RecordFile.objects.get(public_id=photo.public_id)
    client.force_login(restored_file.record.patient)
    link = client.get(reverse("health_records:file_download", kwargs={"file_id": photo.public_id}))["Location"]
    assert http_get(link).content == objects[photo.file.name]

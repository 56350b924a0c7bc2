"""deploy/backup.py on the real PostgreSQL: back up, wipe the database and the files, restore, and the patient
finds her record and its photo again."""

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

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stored_count(folder: str = "") -> int:
    folders, files = default_storage.listdir(folder)
    return len(files) + sum(stored_count(f"{folder}{child}/") for child in folders)


def run_backup(action: str, folder) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "deploy/backup.py", action, str(folder)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url_of_tests(), "SECRET_KEY": settings.SECRET_KEY},
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

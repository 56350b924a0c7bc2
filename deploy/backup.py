"""Backs up and restores ReLyfe: the PostgreSQL database and the file store, together.

    python deploy/backup.py backup  <folder>   # writes database.dump, files.tar and manifest.json
    python deploy/backup.py restore <folder>   # puts both back, then checks every file against the manifest

With Docker: `docker compose run --rm -v "$PWD/backups:/backups" web python deploy/backup.py backup /backups/<date>`
(the volume must be writable by uid 10001). The database goes through pg_dump's custom format (pg_restore
--clean: the tables are replaced, in one transaction); the files through Django's storage, so the same script
serves the local folder and S3 (MinIO): with STORAGE=s3 it lists, reads and writes the bucket that
AWS_STORAGE_BUCKET_NAME, AWS_S3_REGION_NAME and AWS_S3_ENDPOINT_URL name, with the site's credentials. The
connection comes from DATABASE_URL as the site reads it, given to pg_dump in PG* variables, never on the command
line. The folder holds health data: keep it encrypted and as guarded as the database.

Take it while the site runs: pg_dump reads one consistent snapshot; a file uploaded during the copy may miss
from files.tar while its row is in the dump (or the reverse), and the restore says which.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess  # nosec B404  # runs pg_dump and pg_restore, fixed commands
import sys
import tarfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")


def _postgres_environment() -> dict[str, str]:
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor != "postgresql":
        sys.exit("deploy/backup.py backs up PostgreSQL only (DATABASE_URL=postgres://…).")
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _program(name: str) -> str:
    path = shutil.which(name)
    if not path:
        sys.exit(f"{name} is missing: install PostgreSQL's client (apt install postgresql-client).")
    return path


def _stored_names(storage, folder: str = "") -> list[str]:
    folders, files = storage.listdir(folder)
    names = [f"{folder}{name}" for name in files]
    for child in folders:
        names.extend(_stored_names(storage, f"{folder}{child}/"))
    return sorted(names)


def _digest(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def backup(folder: Path) -> dict:
    from django.core.files.storage import default_storage

    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603  # nosec B603  # a fixed command
        [
            _program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(folder / "database.dump"),
        ],
        env=_postgres_environment(),
        check=True,
    )
    manifest = {}
    with tarfile.open(folder / "files.tar", "w") as archive:
        for name in _stored_names(default_storage):
            with default_storage.open(name, "rb") as stored:
                manifest[name] = _digest(stored)
                stored.seek(0)
                member = tarfile.TarInfo(name)
                member.size = default_storage.size(name)
                archive.addfile(member, stored)
    (folder / "manifest.json").write_text(json.dumps({"files": manifest}, indent=1, sort_keys=True))
    return {"files": len(manifest)}


def restore(folder: Path) -> dict:
    from django.core.files.storage import default_storage

    subprocess.run(  # noqa: S603  # nosec B603  # a fixed command
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _postgres_environment()["PGDATABASE"],
            str(folder / "database.dump"),
        ],
        env=_postgres_environment(),
        check=True,
    )
    manifest = json.loads((folder / "manifest.json").read_text())["files"]
    with tarfile.open(folder / "files.tar", "r") as archive:
        for member in archive:
            if not member.isfile() or member.name not in manifest:
                continue
            if default_storage.exists(member.name):
                default_storage.delete(member.name)
            saved = default_storage.save(member.name, archive.extractfile(member))
            if saved != member.name:
                sys.exit(f"{member.name} was stored as {saved}")
    wrong = []
    for name, expected in manifest.items():
        if not default_storage.exists(name):
            wrong.append(f"missing: {name}")
            continue
        with default_storage.open(name, "rb") as stored:
            if _digest(stored) != expected:
                wrong.append(f"different: {name}")
    if wrong:
        sys.exit("The files do not match the backup:\n" + "\n".join(wrong))
    return {"files": len(manifest)}


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("folder", type=Path)
    options = parser.parse_args(arguments)
    django.setup()
    result = (backup if options.action == "backup" else restore)(options.folder)
    print(f"{options.action}: the database and {result['files']} files, in {options.folder}")


if __name__ == "__main__":
    main(sys.argv[1:])

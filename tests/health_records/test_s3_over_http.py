"""STORAGE=s3 end to end: production's S3 options against moto's S3 server over real HTTP (tests/s3.py). Files
go in through the real upload view, come out through the real download views as a 302 to a presigned link,
and the link is fetched as a browser fetches it (urllib, no credentials).

What moto (5.2) does not check, and these tests therefore do not claim: a presigned link's signature and its
expiry. moto serves any URL that has a signature parameter, whatever its value and however old it is; only an
unsigned request for a private object is refused. The link's lifetime is asserted on the link itself."""

import datetime
import io
import json
import os
import re
import subprocess
import sys
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header
from PIL import Image

from faces.detection import face_boxes
from health_records.models import MaskStatus, RecordFile
from health_records.tasks import make_record_file_thumbnail, record_file_mask_faces
from relyfe.settings import CONTENT_SECURITY_POLICY, csp_with_s3, s3_origins, s3_storage
from sharing import services as sharing
from tests.factories import GrantFactory
from tests.files import TEST_DATA, as_stored, jpeg_bytes, pdf_bytes, upload
from tests.s3 import http_get, start_local_s3, stop_local_s3

pytestmark = pytest.mark.django_db

GROUP = TEST_DATA / "faces" / "group_two_people.jpg"
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


def add_record(client, patient, *files, kind="lab_result", mask_faces=False):
    data = {"kind": kind, "title": "Bilan", "clinical_date": "2026-03-02", "files": list(files)}
    if mask_faces:
        data["mask_faces"] = "on"
    response = client.post(reverse("health_records:create", args=[patient.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return {each.original_name: each for each in RecordFile.objects.filter(record__patient=patient)}


def key_in(link: str, s3) -> str:
    """The object a presigned link points at (path-style: /<bucket>/<key>), checked to be in the test's bucket."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint
    bucket, key = parts.path.lstrip("/").split("/", 1)
    assert bucket == s3.bucket
    return key


def signed(link: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}


def presigned_link(response) -> str:
    assert response.status_code == 302
    # The redirect itself is a bearer token for a minute: no cache keeps it.
    assert "no-store" in response["Cache-Control"]
    return response["Location"]


def test_uploads_land_in_the_bucket_under_server_made_keys_and_no_one_reads_them_unsigned(client, alice, s3):
    client.force_login(alice)
    pdf = pdf_bytes()

    files = add_record(client, alice, upload("Radio genou Alice.jpg", jpeg_bytes()), upload("Compte rendu.pdf", pdf))

    photo, report = files["Radio genou Alice.jpg"], files["Compte rendu.pdf"]
    # Only the files: their thumbnails are made by a task after the commit.
    assert s3.object_keys() == {photo.file.name, report.file.name}
    for record_file, extension in ((photo, "jpg"), (report, "pdf")):
        key = record_file.file.name
        # A random UUID (version 4) made by the server; nothing of the name the patient gave.
        assert key == f"records/{record_file.public_id.hex[:2]}/{record_file.public_id.hex}.{extension}"
        assert uuid.UUID(record_file.public_id.hex).version == 4
        assert not re.search(r"(?i)radio|genou|alice|compte|rendu", key)
        grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
        assert not {grant["Grantee"].get("URI") for grant in grants} & PUBLIC_GROUPS
        unsigned = http_get(s3.object_url(key))
        assert unsigned.status == 403 and s3.read(key) not in unsigned.content
    assert s3.read(report.file.name) == as_stored(pdf)
    with Image.open(io.BytesIO(s3.read(photo.file.name))) as stored_photo:
        assert stored_photo.format == "JPEG" and stored_photo.size == (64, 48)


@pytest.mark.parametrize(("view", "attachment"), [("file_download", True), ("file_inline", False)])
def test_a_download_is_a_presigned_link_that_gives_the_stored_bytes_as_the_view_asked(
    client, alice, s3, view, attachment
):
    client.force_login(alice)
    pdf = pdf_bytes()
    report = add_record(client, alice, upload("Résultats IRM « genou ».pdf", pdf))["Résultats IRM « genou ».pdf"]
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

    link = presigned_link(client.get(reverse(f"health_records:{view}", args=[report.public_id])))

    after = datetime.datetime.now(datetime.UTC)
    assert key_in(link, s3) == report.file.name
    # The link lives 60 seconds from the moment the view signed it (Signature Version 4).
    query = signed(link)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "60"
    signed_at = datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert before <= signed_at <= after
    assert query["X-Amz-Credential"].split("/")[2:] == [s3.region, "s3", "aws4_request"]
    fetched = http_get(link)
    assert fetched.status == 200
    assert fetched.content == as_stored(pdf) == s3.read(report.file.name)
    assert fetched.headers["content-type"] == "application/pdf"
    disposition = fetched.headers["content-disposition"]
    assert disposition == content_disposition_header(attachment, "Résultats IRM « genou ».pdf")
    assert disposition.startswith("attachment;" if attachment else "inline;")
    assert "filename*=utf-8''R%C3%A9sultats%20IRM%20%C2%AB%20genou%20%C2%BB.pdf" in disposition


def test_someone_without_access_gets_404_and_no_link(client, alice, charlie, s3):
    client.force_login(alice)
    report = add_record(client, alice, upload("bilan.pdf", pdf_bytes()))["bilan.pdf"]
    client.force_login(charlie)

    for view in ("file_download", "file_inline", "file_thumbnail"):
        response = client.get(reverse(f"health_records:{view}", args=[report.public_id]))
        assert response.status_code == 404
        assert "Location" not in response and s3.bucket.encode() not in response.content
        assert b"X-Amz-Signature" not in response.content


def test_thumbnails_and_the_blurred_copy_are_written_to_the_bucket_and_read_back_from_it(client, alice, charlie, s3):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"])  # photos only: shown blurred
    client.force_login(alice)
    photo = add_record(client, alice, upload("groupe.jpg", GROUP.read_bytes()), kind="photo", mask_faces=True)[
        "groupe.jpg"
    ]
    original = s3.read(photo.file.name)
    assert len(face_boxes(original)) >= 2

    make_record_file_thumbnail(photo.pk)
    record_file_mask_faces(photo.pk)

    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.READY
    assert photo.thumbnail.name == f"thumbnails/{photo.public_id.hex[:2]}/{photo.public_id.hex}.jpg"
    assert photo.masked.name == f"masked/{photo.public_id.hex[:2]}/{photo.public_id.hex}.jpg"
    assert s3.object_keys() == {photo.file.name, photo.thumbnail.name, photo.masked.name}
    blurred = s3.read(photo.masked.name)
    assert blurred != original and face_boxes(blurred) == []

    # The patient: the thumbnail and the original, from the bucket.
    thumbnail_link = presigned_link(client.get(reverse("health_records:file_thumbnail", args=[photo.public_id])))
    assert key_in(thumbnail_link, s3) == photo.thumbnail.name
    thumbnail = http_get(thumbnail_link)
    assert thumbnail.status == 200 and thumbnail.content == s3.read(photo.thumbnail.name)
    assert thumbnail.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "JPEG" and max(small.size) <= 480
    as_taken = http_get(presigned_link(client.get(reverse("health_records:file_inline", args=[photo.public_id]))))
    assert as_taken.content == original

    # The professional with photos only: the blurred copy, from the bucket, for the photo and its thumbnail.
    client.force_login(charlie)
    for view in ("file_inline", "file_download", "file_thumbnail"):
        link = presigned_link(client.get(reverse(f"health_records:{view}", args=[photo.public_id])))
        assert key_in(link, s3) == photo.masked.name
        served = http_get(link)
        assert served.status == 200 and served.content == blurred != original
        assert served.headers["content-type"] == "image/jpeg"
        assert "groupe.jpg" in served.headers["content-disposition"]


def test_a_share_link_visitor_downloads_the_file_from_the_bucket(client, alice, s3):
    client.force_login(alice)
    pdf = pdf_bytes()
    report = add_record(client, alice, upload("ordonnance.pdf", pdf))["ordonnance.pdf"]
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[report.record])
    client.logout()
    download = reverse("sharing:link_file_download", args=[report.public_id])
    # Before the link is opened, the visitor is no one: no link to the bucket.
    assert "Location" not in client.get(download)

    client.get(reverse("sharing:link_open", args=[token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "pharmacien"})
    link = presigned_link(client.get(download))

    assert key_in(link, s3) == report.file.name
    fetched = http_get(link)
    assert fetched.status == 200 and fetched.content == as_stored(pdf)
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.headers["content-disposition"] == content_disposition_header(True, "ordonnance.pdf")


@pytest.fixture
def s3_us_east_1(settings, monkeypatch):
    """The store as compose runs it (MinIO, AWS_S3_REGION_NAME=us-east-1)."""
    local, server = start_local_s3(settings, monkeypatch, region="us-east-1")
    yield local
    stop_local_s3(local, server)


def test_in_us_east_1_too_the_link_is_signed_with_signature_version_4_for_sixty_seconds(client, alice, s3_us_east_1):
    """botocore signs links with Signature Version 2 there unless told otherwise, which S3 refuses for the
    buckets made since 2020."""
    client.force_login(alice)
    report = add_record(client, alice, upload("bilan.pdf", pdf_bytes()))["bilan.pdf"]

    link = presigned_link(client.get(reverse("health_records:file_download", args=[report.public_id])))

    query = signed(link)
    assert "Signature" not in query and "AWSAccessKeyId" not in query
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and query["X-Amz-Expires"] == "60"
    assert http_get(link).content == s3_us_east_1.read(report.file.name)


def test_a_process_started_with_storage_s3_runs_the_options_and_policy_these_tests_run(project_root):
    """The settings module wires STORAGE=s3 and the AWS_* variables to the functions tests/s3.py calls."""
    where = {"bucket_name": "relyfe-files", "region_name": "eu-west-3", "endpoint_url": "https://files.example.org"}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.STORAGES['default'], settings.CONTENT_SECURITY_POLICY]))",
        ],
        cwd=project_root,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "relyfe.settings",
            "STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": where["bucket_name"],
            "AWS_S3_REGION_NAME": where["region_name"],
            "AWS_S3_ENDPOINT_URL": where["endpoint_url"],
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    storage, policy = json.loads(shown.stdout.strip().splitlines()[-1])
    assert storage == s3_storage(**where)
    assert policy == json.loads(json.dumps(csp_with_s3(CONTENT_SECURITY_POLICY, s3_origins(**where))))
    assert policy["DIRECTIVES"]["img-src"][-1] == "https://files.example.org"
    assert "https://files.example.org" not in policy["DIRECTIVES"]["script-src"]


def test_a_file_kept_from_a_refused_form_moves_from_its_staging_key_to_its_record_key_in_the_bucket(
    client, alice, s3, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(make_record_file_thumbnail, "apply_async", lambda args, **options: queued.append(*args))
    client.force_login(alice)
    pdf = pdf_bytes()
    data = {"kind": "lab_result", "title": "", "clinical_date": "2026-03-02", "files": [upload("bilan.pdf", pdf)]}

    refused = client.post(reverse("health_records:create", args=[alice.public_id]), data)

    assert refused.status_code == 200 and refused.context["form"].errors["title"]
    (staged,) = refused.context["kept"]
    assert s3.object_keys() == {staged.file.name}
    assert s3.read(staged.file.name) == as_stored(pdf)

    with django_capture_on_commit_callbacks(execute=True):
        filed = client.post(
            reverse("health_records:create", args=[alice.public_id]),
            {"kind": "lab_result", "title": "Bilan", "clinical_date": "2026-03-02", "kept": [str(staged.public_id)]},
        )

    assert filed.status_code == 302
    report = RecordFile.objects.get(record__patient=alice)
    # The kept copy is gone from the bucket once the record holds the file.
    assert s3.object_keys() == {report.file.name}
    assert queued == [report.pk]
    make_record_file_thumbnail(report.pk)
    report.refresh_from_db()
    assert s3.object_keys() == {report.file.name, report.thumbnail.name}
    link = presigned_link(client.get(reverse("health_records:file_download", args=[report.public_id])))
    assert http_get(link).content == as_stored(pdf)

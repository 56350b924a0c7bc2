import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from audit.models import AccessEvent
from health_records.models import HealthRecord, RecordChange, RecordFile
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "records"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def new_record(client, patient, files=(), htmx=False, **fields):
    data = {
        "kind": "lab_result",
        "title": "Bilan sanguin",
        "clinical_date": "2026-03-02",
        "description": "À jeun.",
        "tags": "bilan, Cardiologie",
        **fields,
        "files": list(files),
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("health_records:create", args=[patient.public_id]), data, headers=headers)


def test_a_patient_adds_a_record_with_several_files(client, alice):
    client.force_login(alice)

    response = new_record(client, alice, files=[upload("bilan.pdf", pdf_bytes()), upload("Photo 1.JPG", jpeg_bytes())])

    record = HealthRecord.objects.get()
    assert response.url == reverse("health_records:detail", args=[record.public_id])
    assert (record.patient, record.author, record.kind) == (alice, alice, "lab_result")
    assert sorted(tag.name for tag in record.tags.all()) == ["Cardiologie", "bilan"]
    names = sorted(record.files.values_list("original_name", "content_type"))
    assert names == [("Photo 1.JPG", "image/jpeg"), ("bilan.pdf", "application/pdf")]
    # The storage key is made by the server: the original name is nowhere in it.
    for record_file in record.files.all():
        assert "bilan" not in record_file.file.name and "Photo" not in record_file.file.name
        assert record_file.file.name.startswith("records/")
    assert record.changes.get().kind == RecordChange.Kind.CREATED
    assert AccessEvent.objects.filter(action="create", object_id=record.public_id).count() == 1


def test_an_htmx_upload_answers_with_a_redirect_for_the_browser(client, alice):
    client.force_login(alice)

    response = new_record(client, alice, files=[upload("scan.png", png_bytes())], htmx=True)

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("health_records:detail", args=[HealthRecord.objects.get().public_id])


@pytest.mark.parametrize(
    ("name", "content", "setting", "message", "status"),
    [
        ("big.pdf", pdf_bytes(), ("UPLOAD_MAX_BYTES", 100), "big.pdf", 413),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, None, "virus.pdf", 400),
        ("notes.txt", b"just some text", None, "notes.txt", 400),
        ("broken.jpg", jpeg_bytes()[:200], None, "broken.jpg", 400),
        ("broken.pdf", pdf_bytes()[:300], None, "broken.pdf", 400),
        ("long.pdf", pdf_bytes(pages=3), ("UPLOAD_MAX_PDF_PAGES", 2), "long.pdf", 413),
        ("bomb.png", png_bytes(size=(2000, 2000)), ("UPLOAD_MAX_PIXELS", 1_000_000), "bomb.png", 413),
    ],
)
def test_a_refused_file_shows_its_name_and_leaves_nothing_behind(
    client, alice, settings, name, content, setting, message, status
):
    if setting:
        setattr(settings, *setting)
    client.force_login(alice)
    files_before = stored_files()

    response = new_record(client, alice, files=[upload("good.jpg", jpeg_bytes()), upload(name, content)])

    # 413 for a file too large (bytes, pages, pixels), 400 for an invalid one: the form says which.
    assert response.status_code == status
    errors = response.context["form"].errors["files"]
    assert any(error.startswith(f"{message}:") for error in errors), errors
    assert not HealthRecord.objects.exists()
    assert not RecordFile.objects.exists()
    assert stored_files() == files_before
    assert not AccessEvent.objects.exists()


def test_a_phone_photo_is_turned_upright_and_loses_its_location(client, alice):
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 40))  # red on the left of the sensor's picture
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    client.force_login(alice)

    new_record(client, alice, files=[upload("IMG_0001.jpeg", buffer.getvalue())], kind="photo")

    stored = RecordFile.objects.get()
    with stored.file.open("rb") as handle:
        upright = Image.open(io.BytesIO(handle.read()))
    assert upright.size == (40, 80) == (stored.width, stored.height)
    red, _green, blue = upright.convert("RGB").getpixel((20, 5))  # the left side is now on top
    assert red > 200 and blue < 60
    exif_after = upright.getexif()
    assert 0x8825 not in exif_after and 0x0112 not in exif_after


def test_editing_a_record_keeps_what_changed_in_its_history(client, alice):
    record = HealthRecordFactory(patient=alice, title="Bilan", clinical_date=datetime.date(2026, 1, 5))
    client.force_login(alice)

    client.post(
        reverse("health_records:edit", args=[record.public_id]),
        {
            "kind": record.kind,
            "title": "Bilan lipidique",
            "clinical_date": "2026-01-06",
            "description": "",
            "tags": "x",
        },
    )

    change = record.changes.get(kind="updated")
    assert change.actor == alice
    assert change.details["title"] == ["Bilan", "Bilan lipidique"]
    assert change.details["clinical_date"] == ["2026-01-05", "2026-01-06"]
    assert change.details["tags"] == [[], ["x"]]
    page = client.get(reverse("health_records:detail", args=[record.public_id])).content.decode()
    assert "Bilan lipidique" in page and "<del>Bilan</del>" in page


def test_a_record_in_the_future_is_refused(client, alice):
    client.force_login(alice)

    response = new_record(client, alice, clinical_date="2999-01-01")

    assert response.context["form"].has_error("clinical_date", "future")


def test_an_archived_record_leaves_the_timeline_and_the_patient_restores_it(client, alice):
    record = HealthRecordFactory(patient=alice, title="Radio du poignet")
    client.force_login(alice)
    timeline = reverse("health_records:timeline", args=[alice.public_id])

    client.post(reverse("health_records:archive", args=[record.public_id]))

    assert "Radio du poignet" not in client.get(timeline).content.decode()
    assert "Radio du poignet" in client.get(timeline, {"archived": "on"}).content.decode()
    client.post(reverse("health_records:restore", args=[record.public_id]))
    assert "Radio du poignet" in client.get(timeline).content.decode()
    assert list(record.changes.values_list("kind", flat=True)) == ["restored", "archived"]


def test_the_timeline_groups_by_month_newest_first_and_filters(client, alice):
    HealthRecordFactory(
        patient=alice, title="Vaccin grippe", kind="vaccination", clinical_date=datetime.date(2025, 10, 3)
    )
    HealthRecordFactory(patient=alice, title="IRM genou", kind="imaging", clinical_date=datetime.date(2026, 2, 14))
    with_file = HealthRecordFactory(patient=alice, title="Courrier", clinical_date=datetime.date(2026, 2, 1))
    RecordFileFactory(record=with_file, original_name="lettre-cardiologue.pdf")
    client.force_login(alice)
    url = reverse("health_records:timeline", args=[alice.public_id])

    page = client.get(url).content.decode()
    assert page.index("Février 2026") < page.index("IRM genou") < page.index("Courrier") < page.index("Octobre 2025")

    def titles(**query):
        return [record.title for record in client.get(url, query).context["page"].object_list]

    assert titles(kind="imaging") == ["IRM genou"]
    assert titles(q="grippe") == ["Vaccin grippe"]
    assert titles(q="cardiologue") == ["Courrier"]


def test_the_timeline_is_paginated(client, alice, settings):
    settings.TIMELINE_PAGE_SIZE = 2
    HealthRecordFactory.create_batch(5, patient=alice)
    client.force_login(alice)
    url = reverse("health_records:timeline", args=[alice.public_id])

    last = client.get(url, {"page": 3})

    assert len(last.context["page"].object_list) == 1


@pytest.mark.parametrize(
    ("asked", "shown", "records_shown"),
    [("2", 2, 2), ("3", 3, 1), ("4", 3, 1), ("99", 3, 1), ("0", 3, 1), ("-1", 3, 1), ("deux", 1, 2), ("", 1, 2)],
)
def test_a_timeline_page_knows_its_place_among_the_pages_as_the_paginator_says(
    client, alice, dave, settings, asked, shown, records_shown
):
    settings.TIMELINE_PAGE_SIZE = 2
    HealthRecordFactory.create_batch(5, patient=alice)
    HealthRecordFactory(patient=dave)  # another file: not counted
    client.force_login(alice)

    page = client.get(reverse("health_records:timeline", args=[alice.public_id]), {"page": asked}).context["page"]

    assert (page.number, page.paginator.count, page.paginator.num_pages) == (shown, 5, 3)
    assert len(page.object_list) == records_shown


def test_an_empty_timeline_is_its_first_page(client, alice):
    client.force_login(alice)

    page = client.get(reverse("health_records:timeline", args=[alice.public_id]), {"page": "2"}).context["page"]

    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


@pytest.mark.parametrize("count", [10, 200])
def test_the_timeline_query_count_does_not_grow_with_the_records(client, alice, django_assert_max_num_queries, count):
    for record in HealthRecordFactory.create_batch(count, patient=alice):
        RecordFileFactory(record=record)
        record.tags.set([])
    client.force_login(alice)

    # 15: one of them reads the session, which lives in the database only (settings.SESSION_ENGINE), one
    # its row, which says whether it was signed out from another browser (accounts.middleware), and one
    # whether the navigation shows "People I help" and "Files I manage" (accounts.selectors.navigation).
    # The patient's own row is the signed-in user's.
    with django_assert_max_num_queries(15):
        client.get(reverse("health_records:timeline", args=[alice.public_id]))


def test_downloads_carry_the_original_name_and_are_never_cached(client, alice):
    record_file = RecordFileFactory(record=HealthRecordFactory(patient=alice), original_name="Résultats IRM.jpg")
    client.force_login(alice)

    download = client.get(reverse("health_records:file_download", args=[record_file.public_id]))
    inline = client.get(reverse("health_records:file_inline", args=[record_file.public_id]))

    assert download["Content-Disposition"].startswith("attachment;")
    assert "R%C3%A9sultats%20IRM.jpg" in download["Content-Disposition"]
    assert inline["Content-Disposition"].startswith("inline;")
    for response in (download, inline):
        assert "no-store" in response["Cache-Control"]
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content) == record_file.file.open("rb").read()
    # A PDF preview lives in a frame of the record page: only the same origin may frame it.
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]


def test_on_s3_a_download_is_a_presigned_link_valid_sixty_seconds(monkeypatch):
    from storages.backends.s3 import S3Storage

    from health_records.downloads import stored_file_response

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    storage = S3Storage(bucket_name="relyfe-files", region_name="eu-west-3", querystring_auth=True)

    class StoredFile:
        name = "records/ab/abcdef.pdf"

    StoredFile.storage = storage
    response = stored_file_response(StoredFile(), filename="bilan.pdf", content_type="application/pdf", inline=False)

    assert response.status_code == 302
    assert "relyfe-files" in response.url and "records/ab/abcdef.pdf" in response.url
    assert "X-Amz-Expires=60" in response.url
    assert "response-content-disposition=attachment" in response.url
    assert "no-store" in response["Cache-Control"]


def test_a_failure_after_the_files_are_stored_removes_them_and_the_record(alice, monkeypatch):
    from demo.records import checked_file
    from health_records import services

    files_before = stored_files()

    def database_failure(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services.RecordChange.objects, "create", database_failure)

    with pytest.raises(RuntimeError):
        services.health_record_create(
            actor=alice,
            patient=alice,
            kind="photo",
            title="Photo",
            clinical_date=datetime.date(2026, 1, 1),
            uploads=[checked_file("a.jpg", jpeg_bytes()), checked_file("b.pdf", pdf_bytes())],
        )

    assert not HealthRecord.objects.exists()
    assert stored_files() == files_before

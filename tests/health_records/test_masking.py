"""Faces masked in clinical photos: whoever does not hold the whole file (a share link, a scoped grant) is given
the photo with every face blurred, checked by running the real face detector on the bytes they receive."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from access.models import Permission
from faces.detection import face_boxes
from health_records import masking
from health_records.models import MaskStatus, RecordFile
from health_records.tasks import MASK_RETRIES, record_file_mask_faces
from relyfe.models import OutboxMessage
from sharing import services as sharing
from tests.conftest import wait_until
from tests.factories import GrantFactory
from tests.files import TEST_DATA, upload

pytestmark = pytest.mark.django_db

GROUP = TEST_DATA / "faces" / "group_two_people.jpg"


def add_photo(client, patient, *, mask_faces=False, name="groupe.jpg"):
    data = {
        "kind": "photo",
        "title": "Cicatrice",
        "clinical_date": "2026-01-01",
        "files": [upload(name, GROUP.read_bytes())],
    }
    if mask_faces:
        data["mask_faces"] = "on"
    response = client.post(reverse("health_records:create", args=[patient.public_id]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return RecordFile.objects.get(original_name=name)


def stored(record_file) -> bytes:
    with record_file.file.open("rb") as handle:
        return handle.read()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def open_link(client, token):
    client.get(reverse("sharing:link_open", args=[token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand", "profession": "dermatologue"})


def assert_no_face(content: bytes):
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and not image.getexif()
    assert face_boxes(content) == []


def test_a_group_photo_shared_by_link_has_its_faces_blurred_and_never_reaches_the_visitor_whole(
    client, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    photo = add_photo(client, alice)
    original = stored(photo)
    assert len(face_boxes(original)) >= 2
    with django_capture_on_commit_callbacks(execute=True):
        _link, token, _passcode = sharing.share_link_create(actor=alice, records=[photo.record])
    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.PENDING
    assert OutboxMessage.objects.filter(task="health_records.tasks.record_file_mask_faces", args=[photo.pk]).exists()
    client.logout()
    visitor = client
    open_link(visitor, token)

    # Before the task has run: a picture saying the faces are being blurred, never the original.
    for view in ("sharing:link_file_view", "sharing:link_file_download"):
        waiting = visitor.get(reverse(view, args=[photo.public_id]))
        assert waiting.status_code == 200 and waiting["Content-Type"].startswith("image/svg+xml")
        assert body(waiting) != original and b"<svg" in body(waiting)

    record_file_mask_faces(photo.pk)

    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.READY and photo.masked_face_count >= 2
    for view in ("sharing:link_file_view", "sharing:link_file_download"):
        served = body(visitor.get(reverse(view, args=[photo.public_id])))
        assert served != original
        assert_no_face(served)
    # The link's page shows the photo through the same view.
    page = visitor.get(reverse("sharing:link_record", args=[photo.record.public_id])).content.decode()
    assert reverse("sharing:link_file_view", args=[photo.public_id]) in page


def test_a_link_that_does_not_ask_it_shows_the_photo_as_taken(client, alice):
    client.force_login(alice)
    photo = add_photo(client, alice)
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[photo.record], mask_faces=False)
    client.logout()
    open_link(client, token)

    served = body(client.get(reverse("sharing:link_file_view", args=[photo.public_id])))

    assert served == stored(photo)
    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.NONE


def test_the_share_link_form_blurs_faces_unless_the_patient_unticks_it(client, alice):
    client.force_login(alice)
    photo = add_photo(client, alice)
    form = client.get(reverse("sharing:links")).content.decode()
    assert 'name="mask_faces"' in form and "checked" in form.split('name="mask_faces"')[1].split(">")[0]

    client.post(reverse("sharing:links"), {"records": [photo.record.pk], "days": 7, "mask_faces": "on"})
    client.post(reverse("sharing:links"), {"records": [photo.record.pk], "days": 7})

    assert list(alice.share_links.order_by("created_at").values_list("mask_faces", flat=True)) == [True, False]


def test_the_patient_and_the_whole_file_see_the_original_a_scoped_professional_the_blurred_copy(
    client, alice, bob, charlie
):
    GrantFactory(patient=alice, professional=bob, permission=Permission.READ)  # the whole file
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"])  # photos only
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)
    original = stored(photo)
    assert photo.mask_faces and photo.masked_status == MaskStatus.PENDING
    inline = reverse("health_records:file_inline", args=[photo.public_id])
    client.force_login(charlie)
    assert body(client.get(inline)) != original  # not made yet: the placeholder

    record_file_mask_faces(photo.pk)

    for member in (alice, bob):
        client.force_login(member)
        assert body(client.get(inline)) == original
        assert body(client.get(reverse("health_records:file_download", args=[photo.public_id]))) == original
    client.force_login(charlie)
    for view in ("file_inline", "file_download", "file_thumbnail"):
        served = body(client.get(reverse(f"health_records:{view}", args=[photo.public_id])))
        assert_no_face(served)
    api = client.get(reverse("api:file-download", args=[photo.public_id]))
    assert_no_face(body(api))
    detail = client.get(reverse("health_records:detail", args=[photo.record.public_id])).content.decode()
    assert 'data-mask-status="ready"' in detail


def test_the_api_answers_409_while_the_copy_is_being_made(client, alice, charlie):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"])
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)
    client.force_login(charlie)

    response = client.get(reverse("api:file-download", args=[photo.public_id]))

    assert response.status_code == 409 and response.json()["code"] == "masked_copy_being_made"


def test_a_photo_without_a_face_is_shown_as_taken_to_the_link(client, alice, tmp_path):
    client.force_login(alice)
    plain = io.BytesIO()
    Image.new("RGB", (400, 300), (180, 120, 110)).save(plain, "JPEG")
    response = client.post(
        reverse("health_records:create", args=[alice.public_id]),
        {
            "kind": "photo",
            "title": "Genou",
            "clinical_date": "2026-01-01",
            "files": [upload("genou.jpg", plain.getvalue())],
        },
    )
    assert response.status_code == 302
    photo = RecordFile.objects.get(original_name="genou.jpg")
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[photo.record])

    record_file_mask_faces(photo.pk)
    record_file_mask_faces(photo.pk)  # safe to run twice

    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.NO_FACE and photo.masked_face_count == 0 and not photo.masked
    client.logout()
    open_link(client, token)
    assert body(client.get(reverse("sharing:link_file_view", args=[photo.public_id]))) == stored(photo)


def test_the_task_runs_twice_without_a_second_copy(client, alice):
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)

    record_file_mask_faces(photo.pk)
    first = RecordFile.objects.get(pk=photo.pk).masked.name
    record_file_mask_faces(photo.pk)

    assert RecordFile.objects.get(pk=photo.pk).masked.name == first


def test_the_task_tries_again_then_says_honestly_that_the_copy_could_not_be_made(client, alice, charlie, caplog):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"])
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)
    original = stored(photo)
    photo.file.storage.delete(photo.file.name)  # the storage lost the original: every try fails

    with caplog.at_level("INFO", logger="celery"):
        result = record_file_mask_faces.apply(args=[photo.pk])

    assert result.successful()
    # Tried MASK_RETRIES more times, then given up with the error's type only (no words of the photo's).
    retries = [record for record in caplog.records if "Retry in" in record.getMessage()]
    assert len(retries) == MASK_RETRIES
    assert "No blurred copy of record file %s: %s" in [record.msg for record in caplog.records]
    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.FAILED and not photo.masked
    client.force_login(charlie)
    served = client.get(reverse("health_records:file_inline", args=[photo.public_id]))
    assert served["Content-Type"].startswith("image/svg+xml") and body(served) != original
    assert "Blurred copy not available" in body(served).decode()


def test_a_photo_that_kills_the_worker_is_not_tried_for_ever(client, alice, settings):
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)
    # Runs that started and never finished (the worker killed mid-task) are counted before the work.
    for _run in range(settings.STUCK_MAX_ATTEMPTS):
        assert masking.mask_run_started(photo.pk)

    record_file_mask_faces(photo.pk)

    photo.refresh_from_db()
    assert photo.masked_status == MaskStatus.FAILED


def test_the_comparison_toggle_blurs_and_only_the_whole_file_unblurs(
    client, alice, charlie, django_capture_on_commit_callbacks
):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"], permission=Permission.CONTRIBUTE)
    client.force_login(alice)
    photo = add_photo(client, alice)
    toggle = reverse("health_records:file_mask_toggle", args=[photo.public_id])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(toggle, {"mask_faces": "on"})
    photo.refresh_from_db()
    assert photo.mask_faces and photo.masked_status == MaskStatus.PENDING
    assert OutboxMessage.objects.filter(task="health_records.tasks.record_file_mask_faces", args=[photo.pk]).exists()

    # A scoped professional does not change alice's record, and does not unblur even the photo they added.
    client.force_login(charlie)
    assert client.post(toggle, {}).status_code == 404
    theirs = add_photo(client, alice, mask_faces=True, name="charlie.jpg")
    assert client.post(reverse("health_records:file_mask_toggle", args=[theirs.public_id]), {}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.mask_faces
    client.force_login(alice)
    client.post(toggle, {})
    photo.refresh_from_db()
    assert not photo.mask_faces


def test_the_toggle_partial_shows_the_switch_to_whom_may_use_it(client, alice, charlie):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"], permission=Permission.CONTRIBUTE)
    client.force_login(charlie)
    photo = add_photo(client, alice, mask_faces=True)
    toggle = reverse("health_records:file_mask_toggle", args=[photo.public_id])

    theirs = client.post(toggle, {"mask_faces": "on"}, HTTP_HX_REQUEST="true").content.decode()
    client.force_login(alice)
    mine = client.post(toggle, {"mask_faces": "on"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<form" in mine and toggle in mine
    assert 'data-mask-status="pending"' in mine
    assert "<form" not in theirs and 'data-mask-status="pending"' in theirs


def test_the_patient_previews_the_blurred_copy(client, alice):
    client.force_login(alice)
    photo = add_photo(client, alice, mask_faces=True)
    record_file_mask_faces(photo.pk)

    assert_no_face(body(client.get(reverse("health_records:file_masked", args=[photo.public_id]))))


@pytest.mark.celery
def test_a_real_worker_blurs_the_faces_of_a_photo_uploaded_with_the_box_ticked(client, alice, celery_worker):
    client.force_login(alice)

    photo = add_photo(client, alice, mask_faces=True)

    wait_until(
        lambda: RecordFile.objects.get(pk=photo.pk).masked_status == MaskStatus.READY, worker=celery_worker, seconds=120
    )
    assert_no_face(body(client.get(reverse("health_records:file_masked", args=[photo.public_id]))))


def test_the_comparison_offers_to_blur_the_faces_of_each_photo(client, alice):
    client.force_login(alice)
    photo = add_photo(client, alice)

    page = client.get(reverse("health_records:compare", args=[photo.record.public_id])).content.decode()

    assert reverse("health_records:file_mask_toggle", args=[photo.public_id]) in page
    assert 'name="mask_faces" value="on"' in page


def test_a_photo_turned_by_its_exif_orientation_is_blurred_upright_without_its_metadata():
    # The group photo stored on its side, with the EXIF orientation (6: turn 90° clockwise) that puts it upright.
    upright = Image.open(GROUP)
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Appareil du cabinet"
    content = io.BytesIO()
    sideways.save(content, "JPEG", exif=exif.tobytes())

    masked = masking.masked_photo(content.getvalue(), "image/jpeg")

    assert masked.face_count >= 2
    assert Image.open(io.BytesIO(masked.content)).size == upright.size
    assert_no_face(masked.content)


def test_a_scoped_professional_saves_a_comparison_of_the_blurred_photos_never_of_the_originals(client, alice, charlie):
    GrantFactory(patient=alice, professional=charlie, kinds=["photo"], permission=Permission.CONTRIBUTE)
    client.force_login(alice)
    first = add_photo(client, alice, mask_faces=True, name="avant.jpg")
    later = add_photo(client, alice, mask_faces=True, name="apres.jpg")
    client.force_login(charlie)
    save = reverse("health_records:compare_save", args=[later.record.public_id])
    pair = {"left": str(first.public_id), "right": str(later.public_id)}

    client.post(save, pair)  # the blurred copies are not made yet: nothing is saved
    assert not RecordFile.objects.filter(record__kind="comparison").exists()

    record_file_mask_faces(first.pk)
    record_file_mask_faces(later.pk)
    client.post(save, pair)

    saved = RecordFile.objects.get(record__kind="comparison")
    assert saved.mask_faces  # and blurred again for whoever else sees it through a scope
    assert face_boxes(stored(saved)) == []

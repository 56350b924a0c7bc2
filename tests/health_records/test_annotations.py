import io
import json
import math
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from access.models import Permission
from audit.models import AccessEvent, ObjectType
from audit.models import Action as AuditAction
from documents.uploads import check_upload
from health_records import annotations, services
from health_records.models import PhotoAnnotation
from health_records.photos import GAP, side_by_side
from tests.factories import GrantFactory
from tests.files import jpeg_bytes

pytestmark = pytest.mark.django_db(transaction=False)

WIDTH, HEIGHT = 400, 300


def photo(patient, actor=None, *, size=(WIDTH, HEIGHT), color=(200, 40, 40)):
    upload = check_upload(SimpleUploadedFile("knee.jpg", jpeg_bytes(size=size, color=color)))
    record = services.health_record_create_with_site(
        actor=actor or patient,
        patient=patient,
        kind="photo",
        title="Knee",
        clinical_date=date(2026, 3, 1),
        body_site="genou gauche",
        uploads=[upload],
    )
    return record.files.get()


def arrow(x1=10, y1=10, x2=100, y2=80, label=""):
    return {"kind": "arrow", "points": [[x1, y1], [x2, y2]], "label": label}


def reference(length_mm=10, points=((50, 200), (150, 200))):
    return {"kind": "reference", "points": [list(point) for point in points], "length_mm": length_mm}


def ruler(points=((0, 0), (300, 0)), label=""):
    return {"kind": "ruler", "points": [list(point) for point in points], "label": label}


def error_code(raw, *, width=WIDTH, height=HEIGHT) -> str:
    with pytest.raises(ValidationError) as caught:
        annotations.clean_shapes(raw, width=width, height=height)
    return caught.value.error_list[0].code


class TestValidation:
    def test_it_keeps_each_kind_of_shape_with_its_points_and_label(self):
        shapes = [
            arrow(label="  the  scar "),
            {"kind": "circle", "points": [[200, 150], [230, 150]]},
            ruler(),
            {"kind": "text", "points": [[5, 290]], "label": "J+14"},
            reference(),
        ]

        cleaned = annotations.clean_shapes(shapes, width=WIDTH, height=HEIGHT)

        assert [shape["kind"] for shape in cleaned] == ["arrow", "circle", "ruler", "text", "reference"]
        assert cleaned[0] == {"kind": "arrow", "points": [[10.0, 10.0], [100.0, 80.0]], "label": "the scar"}
        assert cleaned[4]["length_mm"] == 10

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ({"kind": "arrow"}, "not_a_list"),
            ([arrow()] * (annotations.MAX_SHAPES + 1), "too_many_shapes"),
            (["arrow"], "not_a_shape"),
            ([{"kind": "star", "points": [[1, 1]]}], "unknown_kind"),
            ([{"kind": "arrow", "points": [[1, 1]]}], "wrong_points"),
            ([{"kind": "arrow", "points": [[1, 1, 1], [2, 2]]}], "wrong_points"),
            ([arrow(x2=401)], "outside_image"),
            ([arrow(y1=-1)], "outside_image"),
            ([arrow(x1=math.inf)], "not_finite"),
            ([arrow(x1=math.nan)], "not_finite"),
            ([arrow(x1="10")], "not_a_number"),
            ([arrow(x1=True)], "not_a_number"),
            ([arrow(label="x" * (annotations.MAX_LABEL_LENGTH + 1))], "label_too_long"),
            ([arrow(label=["a"])], "label_not_text"),
            ([{"kind": "text", "points": [[1, 1]], "label": "  "}], "text_without_label"),
            ([{**arrow(), "colour": "red"}], "unknown_field"),
            ([{**arrow(), "length_mm": 10}], "unknown_field"),
            ([reference(length_mm=0)], "reference_length"),
            ([reference(length_mm=5000)], "reference_length"),
            ([{"kind": "reference", "points": [[1, 1], [50, 1]]}], "reference_length"),
            ([reference(points=((10, 10), (12, 11)))], "reference_too_short"),
            ([reference(), reference()], "two_references"),
        ],
    )
    def test_it_refuses_what_is_not_a_valid_layer_with_a_code(self, raw, code):
        assert error_code(raw) == code

    def test_the_error_names_the_shape_at_fault(self):
        with pytest.raises(ValidationError) as caught:
            annotations.clean_shapes([arrow(), arrow(x2=999)], width=WIDTH, height=HEIGHT)

        assert caught.value.messages == ["Forme 2 : un point est en dehors de la photo."]


class TestMillimetres:
    def test_a_reference_of_known_length_sets_the_scale_and_rulers_read_millimetres(self):
        # 10 mm over 100 pixels: 0.1 mm a pixel; a 120-pixel ruler is 12 mm.
        shapes = annotations.clean_shapes([reference(10), ruler(((0, 0), (120, 0)))], width=WIDTH, height=HEIGHT)

        scale = annotations.mm_per_pixel_of(shapes)

        assert scale == pytest.approx(0.1)
        assert annotations.measure(shapes[1], scale) == "12 mm"
        assert annotations.measure(shapes[0], scale) == "10 mm (référence)"

    def test_a_diagonal_ruler_is_measured_along_its_length(self):
        shapes = annotations.clean_shapes(
            [reference(10, ((0, 0), (50, 0))), ruler(((0, 0), (30, 40)))], width=WIDTH, height=HEIGHT
        )

        assert annotations.measure(shapes[1], annotations.mm_per_pixel_of(shapes)) == "10 mm"

    def test_without_a_reference_a_ruler_reads_pixels(self):
        shapes = annotations.clean_shapes([ruler(((0, 0), (120, 0)))], width=WIDTH, height=HEIGHT)

        assert annotations.mm_per_pixel_of(shapes) is None
        assert annotations.measure(shapes[0], None) == "120 px"

    def test_the_saved_layer_keeps_the_scale(self, alice):
        record_file = photo(alice)

        annotation = annotations.annotation_save(
            actor=alice, record_file=record_file, shapes=[reference(25, ((0, 0), (250, 0))), ruler()]
        )

        assert annotation.mm_per_pixel == pytest.approx(0.1)


@pytest.fixture
def reader(alice, bob):
    """Bob reads alice's whole file, without the right to change it."""
    GrantFactory(patient=alice, professional=bob, permission=Permission.READ)
    return bob


def annotation_events(**filters):
    return AccessEvent.objects.filter(object_type=ObjectType.PHOTO_ANNOTATION, **filters)


class TestPolicy:
    def test_the_patient_saves_a_layer_and_the_photo_stays_as_it_was(self, alice):
        record_file = photo(alice)
        with record_file.file.open("rb") as stored:
            before = stored.read()

        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[arrow()])

        record_file.refresh_from_db()
        with record_file.file.open("rb") as stored:
            assert stored.read() == before
        assert record_file.annotation.shapes[0]["kind"] == "arrow"
        assert record_file.annotation.updated_by == alice

    def test_a_professional_edits_the_layer_of_a_photo_they_added_and_it_is_logged(self, alice, bob, bob_sees_alice):
        record_file = photo(alice, actor=bob)
        # Like the record itself: adding to a file is not rewriting what the patient added.
        with pytest.raises(PermissionDenied):
            annotations.annotation_save(actor=bob, record_file=photo(alice), shapes=[arrow()])

        annotations.annotation_save(actor=bob, record_file=record_file, shapes=[arrow()])
        annotations.annotation_save(actor=bob, record_file=record_file, shapes=[arrow(), ruler()])
        annotations.annotation_delete(actor=bob, record_file=record_file)

        events = list(annotation_events(actor=bob).order_by("id").values_list("action", "object_id", "patient"))
        assert events == [
            (AuditAction.CREATE, record_file.public_id, alice.pk),
            (AuditAction.UPDATE, record_file.public_id, alice.pk),
            (AuditAction.UPDATE, record_file.public_id, alice.pk),
        ]
        assert not PhotoAnnotation.objects.exists()

    def test_a_professional_who_only_reads_sees_the_layer_but_cannot_change_it(self, alice, reader, client):
        record_file = photo(alice)
        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[arrow(label="scar")])

        with pytest.raises(PermissionDenied):
            annotations.annotation_save(actor=reader, record_file=record_file, shapes=[])
        with pytest.raises(PermissionDenied):
            annotations.annotation_delete(actor=reader, record_file=record_file)

        client.force_login(reader)
        detail = client.get(reverse("health_records:detail", args=[record_file.record.public_id]))
        assert detail.status_code == 200
        page = detail.content.decode()
        assert "data-annotation-layer" in page and ">scar</text>" in page
        assert reverse("health_records:annotate", args=[record_file.public_id]) not in page
        assert client.get(reverse("health_records:annotate", args=[record_file.public_id])).status_code == 403
        assert not annotation_events(actor=reader).exists()
        sent = client.post(reverse("health_records:annotate", args=[record_file.public_id]), {"shapes": "[]"})
        assert sent.status_code == 403
        assert PhotoAnnotation.objects.get().shapes[0]["label"] == "scar"

    def test_a_stranger_gets_404_everywhere(self, alice, charlie, client):
        record_file = photo(alice)
        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[arrow()])
        client.force_login(charlie)
        api = APIClient()
        api.force_authenticate(charlie)
        url = reverse("api:file-annotation", args=[record_file.public_id])

        assert client.get(reverse("health_records:annotate", args=[record_file.public_id])).status_code == 404
        assert client.post(reverse("health_records:annotate", args=[record_file.public_id])).status_code == 404
        assert client.post(reverse("health_records:annotation_delete", args=[record_file.public_id])).status_code == 404
        assert api.get(url).status_code == 404
        assert api.put(url, {"shapes": []}, format="json").status_code == 404
        assert api.delete(url).status_code == 404
        assert PhotoAnnotation.objects.get().shapes
        assert not annotation_events(actor=charlie).exists()

    def test_an_archived_record_keeps_its_layer_unchanged(self, alice):
        record_file = photo(alice)
        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[arrow()])
        services.health_record_archive(actor=alice, record=record_file.record)
        record_file.record.refresh_from_db()

        with pytest.raises(PermissionDenied):
            annotations.annotation_save(actor=alice, record_file=record_file, shapes=[])


class TestWebPages:
    def test_the_annotate_page_saves_the_drawings_and_the_record_shows_them(self, alice, client):
        record_file = photo(alice)
        client.force_login(alice)
        url = reverse("health_records:annotate", args=[record_file.public_id])

        page = client.get(url)
        assert page.status_code == 200
        assert 'viewBox="0 0 400 300"' in page.content.decode()
        shapes = [reference(10), ruler(((0, 0), (120, 0)), label="scar")]
        response = client.post(url, {"shapes": json.dumps(shapes)})

        assert response.status_code == 302
        detail = client.get(response["Location"]).content.decode()
        assert ">scar 12 mm</text>" in detail
        assert ">10 mm (référence)</text>" in detail
        assert annotation_events(actor=alice, action=AuditAction.VIEW).count() == 1
        assert annotation_events(actor=alice, action=AuditAction.CREATE).count() == 1

    def test_invalid_drawings_come_back_with_the_reason_and_nothing_is_saved(self, alice, client):
        record_file = photo(alice)
        client.force_login(alice)

        response = client.post(
            reverse("health_records:annotate", args=[record_file.public_id]), {"shapes": json.dumps([arrow(x2=999)])}
        )

        assert response.status_code == 400
        assert "Forme 1 : un point est en dehors de la photo." in response.content.decode()
        assert not PhotoAnnotation.objects.exists()

    def test_the_comparison_shows_each_photos_layer(self, alice, client):
        older, newer = photo(alice), photo(alice, color=(40, 40, 200))
        annotations.annotation_save(actor=alice, record_file=older, shapes=[arrow(label="before")])
        annotations.annotation_save(actor=alice, record_file=newer, shapes=[arrow(label="after")])
        client.force_login(alice)

        page = client.get(
            reverse("health_records:compare", args=[newer.record.public_id]),
            {"with": older.public_id, "other": newer.public_id},
        ).content.decode()

        assert page.count("data-annotation-layer") == 2
        assert ">before</text>" in page and ">after</text>" in page

    def test_rulers_in_pixels_come_with_the_hint_to_draw_a_reference(self, alice, client):
        record_file = photo(alice)
        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[ruler(((0, 0), (120, 0)))])
        client.force_login(alice)
        url = reverse("health_records:detail", args=[record_file.record.public_id])

        in_pixels = client.get(url).content.decode()
        annotations.annotation_save(actor=alice, record_file=record_file, shapes=[ruler(), reference()])
        in_millimetres = client.get(url).content.decode()

        assert ">120 px</text>" in in_pixels and "data-annotation-hint" in in_pixels
        assert ">30 mm</text>" in in_millimetres and "data-annotation-hint" not in in_millimetres

    def test_a_photo_without_drawings_has_no_layer(self, alice, client):
        record_file = photo(alice)
        client.force_login(alice)

        page = client.get(reverse("health_records:detail", args=[record_file.record.public_id])).content.decode()

        assert "data-annotation-layer" not in page
        assert reverse("health_records:annotate", args=[record_file.public_id]) in page


class TestApi:
    def test_get_put_and_delete_a_layer(self, alice):
        record_file = photo(alice)
        api = APIClient()
        api.force_authenticate(alice)
        url = reverse("api:file-annotation", args=[record_file.public_id])

        empty = api.get(url)
        saved = api.put(url, {"shapes": [reference(10), ruler(((0, 0), (120, 0)))]}, format="json")
        read = api.get(url)
        deleted = api.delete(url)

        assert empty.status_code == 200 and empty.json()["shapes"] == []
        assert (empty.json()["width"], empty.json()["height"]) == (WIDTH, HEIGHT)
        assert saved.status_code == 200
        assert read.json()["mm_per_pixel"] == pytest.approx(0.1)
        assert read.json()["measures"] == ["10 mm (référence)", "12 mm"]
        assert deleted.status_code == 204
        assert api.get(url).json()["shapes"] == []

    def test_invalid_shapes_answer_400_with_the_code(self, alice):
        record_file = photo(alice)
        api = APIClient()
        api.force_authenticate(alice)
        url = reverse("api:file-annotation", args=[record_file.public_id])

        response = api.put(url, {"shapes": [arrow(x1=-5)]}, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "outside_image"
        assert response.json()["detail"] == "Forme 1 : un point est en dehors de la photo."

    def test_a_reader_gets_403_when_writing(self, alice, reader):
        record_file = photo(alice)
        api = APIClient()
        api.force_authenticate(reader)
        url = reverse("api:file-annotation", args=[record_file.public_id])

        assert api.get(url).status_code == 200
        assert api.put(url, {"shapes": [arrow()]}, format="json").status_code == 403
        assert api.delete(url).status_code == 403


def line_drawn_near(image, x, y) -> bool:
    """Whether the layer's yellow is within a few pixels left of (x, y) on a dark photo. A thin line in a
    JPEG keeps its brightness, but its colour is averaged with its neighbours' (blue greys): red and green."""
    return any(image.getpixel((x + dx, y))[0] > 200 and image.getpixel((x + dx, y))[1] > 150 for dx in range(-3, 2))


class TestDrawnOnAnImage:
    def test_draw_annotation_draws_the_layer_scaled_to_the_image_and_leaves_the_original(self, alice):
        record_file = photo(alice, color=(20, 20, 20))
        annotation = annotations.annotation_save(
            actor=alice, record_file=record_file, shapes=[{"kind": "circle", "points": [[200, 150], [300, 150]]}]
        )
        with record_file.file.open("rb") as stored:
            image = Image.open(io.BytesIO(stored.read())).convert("RGB").resize((200, 150))

        drawn = annotations.draw_annotation(image, annotation)

        # The circle of radius 100 photo pixels passes at (150, 75) once halved; its centre stays dark.
        assert drawn.getpixel((150, 75))[0] > 200 and drawn.getpixel((150, 75))[2] < 100
        assert drawn.getpixel((100, 75))[0] < 60
        assert image.getpixel((150, 75))[0] < 60

    def test_the_saved_comparison_can_draw_each_photos_layer(self, alice):
        record_file = photo(alice, color=(20, 20, 20))
        plain = photo(alice, color=(20, 20, 20))
        annotations.annotation_save(
            actor=alice, record_file=record_file, shapes=[{"kind": "circle", "points": [[200, 150], [300, 150]]}]
        )
        with plain.file.open("rb") as stored:
            plain_bytes = stored.read()
        assert annotations.photo_with_layer(plain) == plain_bytes

        composite = Image.open(
            io.BytesIO(
                side_by_side(annotations.photo_with_layer(record_file), annotations.photo_with_layer(plain), "a", "b")
            )
        ).convert("RGB")

        # The left photo (400x300, at its own height) has its circle; the right one has none.
        assert line_drawn_near(composite, 299, 150)
        assert not line_drawn_near(composite, 400 + GAP + 299, 150)

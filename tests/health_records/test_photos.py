import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageChops
from rest_framework.test import APIRequestFactory, force_authenticate

from documents.uploads import check_upload
from health_records import services
from health_records.forms import NewHealthRecordForm
from health_records.models import HealthRecord
from health_records.photo_api import ComparisonSaveView, PhotoGalleryView
from health_records.photos import GAP, LETTERBOX, MAX_HEIGHT, Frame, panel_scale, side_by_side
from health_records.tasks import make_record_file_thumbnail
from tests.factories import GrantFactory
from tests.files import jpeg_bytes, pdf_bytes
from tests.health_records.photo_pairs import FEATURE, LANDMARKS, is_yellow, marked_photo_and_moved_copy


def image_bytes(size, color=(200, 40, 40), exif_orientation=None, image=None) -> bytes:
    image = image or Image.new("RGB", size, color)
    buffer = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buffer, "JPEG", exif=exif.tobytes())
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content)).convert("RGB")


def band_has_dark_text(composite: Image.Image, left: int, right: int, top: int) -> bool:
    band = composite.crop((left, top, right, composite.height)).convert("L")
    return band.getextrema()[0] < 100


def photo_box(panel: Image.Image) -> tuple[int, int, int, int]:
    """The box of what is neither the dark letterbox nor the white band in a part of the saved picture."""
    red, green, blue = panel.convert("RGB").split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue).point(lambda value: 255 if value > 60 else 0)
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue).point(lambda value: 255 if value < 230 else 0)
    return ImageChops.multiply(brightest, darkest).getbbox()


def centre_of(box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


class TestSideBySide:
    def test_both_photos_sit_in_frames_of_the_same_size_at_the_same_scale_centred(self):
        content = side_by_side(image_bytes((400, 300)), image_bytes((300, 600)), "01/02/2026", "03/04/2026")

        composite = opened(content)
        # The frame holds both: 1 x 1 long sides, 400 pixels each (no photo enlarged). The landscape photo
        # is 400x300 in it, the portrait one 200x400: their longer sides are equal, both centred.
        assert composite.width == 400 + GAP + 400
        assert photo_box(composite.crop((0, 0, 400, 400))) == (0, 50, 400, 350)
        right_box = photo_box(composite.crop((400 + GAP, 0, 800 + GAP, 400)))
        assert all(abs(got - expected) <= 1 for got, expected in zip(right_box, (100, 0, 300, 400), strict=True))
        assert composite.getpixel((200, 20)) == LETTERBOX or max(composite.getpixel((200, 20))) < 40
        assert composite.getpixel((400 + GAP // 2, 150)) == (255, 255, 255)

    def test_it_keeps_each_aspect_ratio_within_one_percent(self):
        sizes = [((1000, 750), (600, 1000)), ((1234, 567), (800, 801))]
        for left_size, right_size in sizes:
            composite = opened(side_by_side(image_bytes(left_size), image_bytes(right_size), "a", "b"))
            frame = Frame.of(left_size, right_size)
            panel_height = round(frame.height * panel_scale(frame, left_size, right_size))
            panel = (composite.width - GAP) // 2
            for origin, size in ((0, left_size), (panel + GAP, right_size)):
                box = photo_box(composite.crop((origin, 0, origin + panel, panel_height)))
                width, height = box[2] - box[0], box[3] - box[1]
                assert abs(width / height - size[0] / size[1]) / (size[0] / size[1]) < 0.01

    def test_it_caps_the_height(self):
        composite = opened(side_by_side(image_bytes((2000, 1800)), image_bytes((1900, 1700)), "a", "b"))

        # The frame is 1 x 0.9 long sides: 1600 pixels high, 1778 wide each.
        assert composite.width == 2 * round(MAX_HEIGHT / 0.9) + GAP
        assert MAX_HEIGHT < composite.height < MAX_HEIGHT + 200

    def test_a_photo_turned_by_its_exif_tag_comes_out_upright(self):
        # Stored as shot (300x100, red on the left third); the tag says: turn it a quarter clockwise.
        stored = Image.new("RGB", (300, 100), (30, 30, 220))
        stored.paste((220, 30, 30), (0, 0, 100, 100))
        turned = image_bytes(None, image=stored, exif_orientation=6)

        composite = opened(side_by_side(turned, image_bytes((100, 300), (40, 200, 40)), "a", "b"))

        # Upright it is 100 wide and 300 high, the red third on top.
        assert composite.width == 100 + GAP + 100
        assert composite.getpixel((50, 30))[0] > 180 and composite.getpixel((50, 30))[2] < 80
        assert composite.getpixel((50, 250))[2] > 180 and composite.getpixel((50, 250))[0] < 80

    def test_a_portrait_and_a_landscape_photo_line_up_on_one_centre(self):
        composite = opened(side_by_side(image_bytes((600, 900)), image_bytes((1200, 800), (20, 20, 200)), "a", "b"))

        # Frame 1 x 1 long side at 900 pixels (the smaller longer side): the portrait 600x900 and the
        # landscape 900x600 in it, sharing the frame's centre; the white bands start at the same height.
        assert composite.width == 900 + GAP + 900
        left_box = photo_box(composite.crop((0, 0, 900, 900)))
        right_box = photo_box(composite.crop((900 + GAP, 0, 1800 + GAP, 900)))
        assert left_box[2] - left_box[0] == 600 and left_box[3] - left_box[1] == 900
        assert abs((right_box[2] - right_box[0]) - 900) <= 1 and abs((right_box[3] - right_box[1]) - 600) <= 1
        assert all(abs(a - b) <= 1 for a, b in zip(centre_of(left_box), centre_of(right_box), strict=True))
        assert min(composite.getpixel((5, 902)) + composite.getpixel((900 + GAP + 5, 902))) > 250

    def test_each_photo_has_its_date_written_in_a_white_band_under_it(self):
        composite = opened(side_by_side(image_bytes((400, 300)), image_bytes((400, 300)), "01/02/2026", "03/04/2026"))

        assert composite.getpixel((2, 302)) == (255, 255, 255)
        assert band_has_dark_text(composite, 0, 400, 300)
        assert band_has_dark_text(composite, 400 + GAP, composite.width, 300)
        blank = side_by_side(image_bytes((400, 300)), image_bytes((400, 300)), "", "")
        assert not band_has_dark_text(opened(blank), 0, 400, 300)

    def test_landmarks_carry_a_moved_turned_and_smaller_copy_onto_the_original(self):
        original, copy, alignment = marked_photo_and_moved_copy()

        composite = opened(
            side_by_side(image_bytes(None, image=original), image_bytes(None, image=copy), "", "", alignment)
        )

        # Frame 1 x 1 long side, 800 pixels: the original (800x600) 100 pixels down. The yellow spot, never a
        # landmark, sits at the same place in both panels, and so do the landmarks.
        panel = 800 + GAP
        for x, y in (FEATURE, *LANDMARKS):
            expected = composite.getpixel((x, y + 100))
            seen = composite.getpixel((panel + x, y + 100))
            assert max(abs(a - b) for a, b in zip(expected, seen, strict=True)) < 60, (x, y, expected, seen)
        assert is_yellow(composite.getpixel((panel + FEATURE[0], FEATURE[1] + 100)))
        # Without the landmarks, the copy's spot is elsewhere.
        plain = opened(side_by_side(image_bytes(None, image=original), image_bytes(None, image=copy), "", ""))
        assert not is_yellow(plain.getpixel((panel + FEATURE[0], FEATURE[1] + 100)))


def photo_record(actor, patient, *, day, site="genou gauche", size=(400, 300), color=(200, 40, 40), title=None):
    upload = check_upload(SimpleUploadedFile("photo.jpg", jpeg_bytes(size=size, color=color)))
    return services.health_record_create_with_site(
        actor=actor,
        patient=patient,
        kind="photo",
        title=title or f"Photo {day}",
        clinical_date=day,
        body_site=site,
        uploads=[upload],
    )


@pytest.fixture
def photos(alice):
    """Three photos of the left knee and one of the hand, not created in time order."""
    return {
        "march": photo_record(alice, alice, day=date(2026, 3, 1), color=(40, 40, 200)),
        "january": photo_record(alice, alice, day=date(2026, 1, 10)),
        "hand": photo_record(alice, alice, day=date(2026, 2, 1), site="main droite"),
        "february": photo_record(alice, alice, day=date(2026, 2, 15), site="Genou  gauche"),
    }


def first_file(record):
    return record.files.get()


pytestmark = pytest.mark.django_db(transaction=False)


class TestGallery:
    def test_it_groups_the_patients_photos_by_body_site_oldest_first(self, client, alice, photos):
        HealthRecord.objects.filter(pk=photos["hand"].pk).update(body_site="")
        make_record_file_thumbnail(first_file(photos["january"]).pk)
        client.force_login(alice)

        response = client.get(reverse("health_records:gallery", args=[alice.public_id]))

        assert response.status_code == 200
        groups = [(site, [photo.record.title for photo in files]) for site, files in response.context["groups"]]
        assert groups == [
            ("genou gauche", ["Photo 2026-01-10", "Photo 2026-02-15", "Photo 2026-03-01"]),
            ("", ["Photo 2026-02-01"]),
        ]
        assert reverse("health_records:file_thumbnail", args=[first_file(photos["january"]).public_id]) in (
            response.content.decode()
        )

    def test_it_shows_a_grey_square_not_a_broken_picture_while_a_thumbnail_is_made(self, client, alice, photos):
        client.force_login(alice)

        response = client.get(reverse("health_records:gallery", args=[alice.public_id]))

        page = response.content.decode()
        assert reverse("health_records:file_thumbnail", args=[first_file(photos["march"]).public_id]) not in page
        assert 'class="gallery__placeholder" role="img" aria-label="Photo 2026-03-01"' in page

    def test_it_leaves_out_archived_records_pdfs_and_other_kinds(self, client, alice, photos):
        services.health_record_archive(actor=alice, record=photos["hand"])
        services.health_record_create(
            actor=alice,
            patient=alice,
            kind="photo",
            title="Scan",
            clinical_date=date(2026, 1, 1),
            uploads=[check_upload(SimpleUploadedFile("scan.pdf", pdf_bytes()))],
        )
        radio = photo_record(alice, alice, day=date(2026, 1, 2), title="Radio")
        HealthRecord.objects.filter(pk=radio.pk).update(kind="imaging")
        client.force_login(alice)

        response = client.get(reverse("health_records:gallery", args=[alice.public_id]))

        titles = [photo.record.title for _site, files in response.context["groups"] for photo in files]
        assert titles == ["Photo 2026-01-10", "Photo 2026-02-15", "Photo 2026-03-01"]


class TestComparePage:
    def test_it_opens_on_the_previous_photo_of_the_same_site_on_the_left(self, client, alice, photos):
        client.force_login(alice)

        response = client.get(reverse("health_records:compare", args=[photos["march"].public_id]))

        assert response.status_code == 200
        comparison = response.context["comparison"]
        assert comparison.left == first_file(photos["february"])
        assert comparison.right == first_file(photos["march"])
        page = response.content.decode()
        assert reverse("health_records:file_inline", args=[first_file(photos["february"]).public_id]) in page
        assert 'role="slider"' in page and 'aria-valuenow="50"' in page
        assert 'type="range"' in page and "style=" not in page.split("<main")[1]

    def test_the_user_chooses_either_photo_among_the_patients_photos(self, client, alice, photos):
        client.force_login(alice)
        url = reverse("health_records:compare", args=[photos["february"].public_id])

        response = client.get(
            url, {"with": first_file(photos["hand"]).public_id, "other": first_file(photos["january"]).public_id}
        )

        assert response.context["comparison"].left == first_file(photos["hand"])
        assert response.context["comparison"].right == first_file(photos["january"])

    def test_a_photo_of_another_patient_cannot_be_chosen(self, client, alice, dave, photos):
        daves = photo_record(dave, dave, day=date(2026, 1, 1))
        client.force_login(alice)
        url = reverse("health_records:compare", args=[photos["march"].public_id])

        assert client.get(url, {"with": first_file(daves).public_id}).status_code == 404
        assert client.get(url, {"with": "not-a-uuid"}).status_code == 404

    def test_a_record_that_is_not_a_photo_has_no_comparison(self, client, alice, photos):
        HealthRecord.objects.filter(pk=photos["march"].pk).update(kind="imaging")
        client.force_login(alice)

        assert client.get(reverse("health_records:compare", args=[photos["march"].public_id])).status_code == 404

    def test_the_record_page_offers_the_comparison_on_photos_only(self, client, alice, photos):
        client.force_login(alice)

        photo_page = client.get(reverse("health_records:detail", args=[photos["march"].public_id])).content.decode()
        HealthRecord.objects.filter(pk=photos["march"].pk).update(kind="imaging")
        other_page = client.get(reverse("health_records:detail", args=[photos["march"].public_id])).content.decode()

        compare_url = reverse("health_records:compare", args=[photos["march"].public_id])
        assert photo_page.count(compare_url) == 1
        assert compare_url not in other_page


class TestComparisonSave:
    def save(self, client, photos, left="january", right="march"):
        return client.post(
            reverse("health_records:compare_save", args=[photos[right].public_id]),
            {"left": first_file(photos[left]).public_id, "right": first_file(photos[right]).public_id},
        )

    @pytest.mark.parametrize("member", ["alice", "bob"])
    def test_it_saves_the_two_photos_as_a_comparison_record_apart_from_the_series(
        self, client, alice, bob, bob_sees_alice, photos, member
    ):
        actor = {"alice": alice, "bob": bob}[member]
        client.force_login(actor)
        page = client.get(reverse("health_records:compare", args=[photos["march"].public_id]))
        assert page.status_code == 200 and page.context["can_save"]

        response = self.save(client, photos)

        comparison = HealthRecord.objects.get(title__startswith="Comparaison")
        assert response.status_code == 302
        assert response.url == reverse("health_records:detail", args=[comparison.public_id])
        assert comparison.title == "Comparaison genou gauche : 10/01/2026 / 01/03/2026"
        assert comparison.kind == "comparison" and comparison.body_site == "genou gauche"
        assert comparison.clinical_date == date(2026, 3, 1)
        assert comparison.patient == alice and comparison.author == actor
        assert set(comparison.compared_files.all()) == {first_file(photos["january"]), first_file(photos["march"])}
        stored = comparison.files.get()
        assert stored.content_type == "image/jpeg" and stored.width == 400 + GAP + 400
        assert client.get(reverse("health_records:file_inline", args=[stored.public_id])).status_code == 200
        assert client.get(reverse("health_records:detail", args=[comparison.public_id])).status_code == 200

    def test_a_professional_who_may_only_read_cannot_save(self, client, alice, bob, photos):
        GrantFactory(patient=alice, professional=bob, permission="read")
        client.force_login(bob)

        assert client.get(reverse("health_records:compare", args=[photos["march"].public_id])).status_code == 200
        assert self.save(client, photos).status_code == 403
        assert not HealthRecord.objects.filter(title__startswith="Comparaison").exists()

    def test_photos_of_two_patients_cannot_be_saved_together(self, client, alice, dave, photos):
        photos["daves"] = photo_record(dave, dave, day=date(2026, 1, 1))
        client.force_login(alice)

        assert self.save(client, photos, left="daves").status_code == 404
        assert not HealthRecord.objects.filter(title__startswith="Comparaison").exists()

    def test_the_service_refuses_a_file_that_is_not_a_photo(self, alice, photos):
        scan = services.health_record_create(
            actor=alice,
            patient=alice,
            kind="photo",
            title="Scan",
            clinical_date=date(2026, 1, 1),
            uploads=[check_upload(SimpleUploadedFile("scan.pdf", pdf_bytes()))],
        )
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.comparison_save(actor=alice, left=first_file(scan), right=first_file(photos["march"]))


class TestCharlie:
    def test_he_reaches_neither_the_gallery_the_comparison_the_save_nor_the_saved_image(
        self, client, alice, charlie, photos
    ):
        saved = services.comparison_save(
            actor=alice, left=first_file(photos["january"]), right=first_file(photos["march"])
        )
        client.force_login(charlie)

        assert client.get(reverse("health_records:gallery", args=[alice.public_id])).status_code == 404
        assert client.get(reverse("health_records:compare", args=[photos["march"].public_id])).status_code == 404
        response = client.post(
            reverse("health_records:compare_save", args=[photos["march"].public_id]),
            {"left": first_file(photos["january"]).public_id, "right": first_file(photos["march"]).public_id},
        )
        assert response.status_code == 404
        assert client.get(reverse("health_records:file_inline", args=[first_file(saved).public_id])).status_code == 404
        assert HealthRecord.objects.filter(title__startswith="Comparaison").count() == 1


class TestNewRecordForm:
    def test_it_suggests_the_patients_body_sites_and_tidies_the_one_typed(self):
        form = NewHealthRecordForm(
            {"kind": "photo", "title": "Genou", "clinical_date": "2026-01-01", "body_site": "  genou   gauche "},
            body_sites=["genou gauche", "main droite"],
        )

        assert form.is_valid(), form.errors
        assert form.cleaned_data["body_site"] == "genou gauche"
        assert 'list="body-site-suggestions"' in str(form["body_site"])

    def test_the_selector_lists_each_site_once_whatever_its_case(self, alice, photos):
        from access import policy
        from access.policy import Action
        from health_records import selectors

        sites = selectors.patient_body_sites(patient=alice, access=policy.decide(alice, Action.VIEW, alice))

        assert sorted(site.casefold() for site in sites) == ["genou gauche", "main droite"]


class TestApi:
    factory = APIRequestFactory()

    def test_the_gallery_groups_photos_by_site(self, alice, photos):
        request = self.factory.get("/")
        force_authenticate(request, alice)

        response = PhotoGalleryView.as_view()(request, patient_id=alice.public_id)

        assert response.status_code == 200
        assert [group["body_site"] for group in response.data] == ["genou gauche", "main droite"]
        assert [photo["clinical_date"] for photo in response.data[0]["photos"]] == [
            "2026-01-10",
            "2026-02-15",
            "2026-03-01",
        ]

    def test_it_saves_a_comparison(self, alice, photos):
        request = self.factory.post(
            "/",
            {"left": str(first_file(photos["january"]).public_id), "right": str(first_file(photos["march"]).public_id)},
            format="json",
        )
        force_authenticate(request, alice)

        response = ComparisonSaveView.as_view()(request)

        assert response.status_code == 201
        assert HealthRecord.objects.get(public_id=response.data["public_id"]).compared_files.count() == 2

    def test_charlie_gets_404(self, charlie, alice, photos):
        gallery = self.factory.get("/")
        force_authenticate(gallery, charlie)
        save = self.factory.post(
            "/",
            {"left": str(first_file(photos["january"]).public_id), "right": str(first_file(photos["march"]).public_id)},
            format="json",
        )
        force_authenticate(save, charlie)

        assert PhotoGalleryView.as_view()(gallery, patient_id=alice.public_id).status_code == 404
        assert ComparisonSaveView.as_view()(save).status_code == 404

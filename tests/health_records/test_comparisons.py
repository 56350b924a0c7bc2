"""Saved comparisons: their own kind with the alignment used, listed under their pair of photos, never offered as
a source photo; the landmarks checked on the way in."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from access import policy
from access.policy import Action
from documents.uploads import check_upload
from health_records import selectors, services
from health_records.models import HealthRecord
from tests.factories import GrantFactory, api_token_for
from tests.health_records.photo_pairs import LANDMARKS, in_copy, jpeg_of, marked_photo_and_moved_copy

pytestmark = pytest.mark.django_db

ALIGNMENT = {"left": [list(point) for point in LANDMARKS], "right": [list(in_copy(point)) for point in LANDMARKS]}


def photo(patient, day, content, site="genou gauche"):
    return services.health_record_create_with_site(
        actor=patient,
        patient=patient,
        kind="photo",
        title=f"Photo {day}",
        clinical_date=day,
        body_site=site,
        uploads=[check_upload(SimpleUploadedFile("photo.jpg", content))],
    )


@pytest.fixture
def knee(alice):
    """The original (800x600) in January, its moved copy (600x800) in March, another photo in February."""
    original, copy, _alignment = marked_photo_and_moved_copy()
    return {
        "january": photo(alice, date(2026, 1, 10), jpeg_of(original)).files.get(),
        "february": photo(alice, date(2026, 2, 15), jpeg_of(original)).files.get(),
        "march": photo(alice, date(2026, 3, 1), jpeg_of(copy)).files.get(),
    }


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


class TestSaving:
    def test_a_saved_comparison_is_its_own_kind_and_keeps_the_landmarks_it_was_lined_up_on(self, alice, knee):
        saved = services.comparison_save(actor=alice, left=knee["january"], right=knee["march"], alignment=ALIGNMENT)

        saved.refresh_from_db()
        assert saved.kind == "comparison"
        assert saved.alignment == {
            side: [[float(x), float(y)] for x, y in points] for side, points in ALIGNMENT.items()
        }
        assert set(saved.compared_files.all()) == {knee["january"], knee["march"]}

    def test_the_web_page_sends_the_landmarks_with_the_pair(self, client, alice, knee):
        client.force_login(alice)

        response = client.post(
            reverse("health_records:compare_save", args=[knee["march"].record.public_id]),
            {
                "left": knee["january"].public_id,
                "right": knee["march"].public_id,
                "alignment": json.dumps(ALIGNMENT),
            },
        )

        saved = HealthRecord.objects.get(kind="comparison")
        assert response.status_code == 302 and response.url == reverse("health_records:detail", args=[saved.public_id])
        assert saved.alignment["right"][1] == pytest.approx(list(in_copy(LANDMARKS[1])))

    @pytest.mark.parametrize(
        "alignment",
        [
            "not json",
            json.dumps({"left": [[1, 1]], "right": [[1, 1], [2, 2]]}),
            json.dumps({"left": [[1, 1], [900, 1]]}),
        ],
    )
    def test_landmarks_it_cannot_use_are_refused_and_the_page_says_why(self, client, alice, knee, alignment):
        client.force_login(alice)
        record_id = knee["march"].record.public_id

        response = client.post(
            reverse("health_records:compare_save", args=[record_id]),
            {"left": knee["january"].public_id, "right": knee["march"].public_id, "alignment": alignment},
            follow=True,
        )

        assert not HealthRecord.objects.filter(kind="comparison").exists()
        assert response.redirect_chain[0][0].startswith(reverse("health_records:compare", args=[record_id]))
        assert response.context["comparison"].left == knee["january"]
        assert [message.level_tag for message in response.context["messages"]] == ["error"]

    def test_a_saved_comparison_cannot_be_the_source_of_another(self, client, alice, knee):
        saved = services.comparison_save(actor=alice, left=knee["january"], right=knee["march"]).files.get()
        client.force_login(alice)

        response = client.post(
            reverse("health_records:compare_save", args=[knee["march"].record.public_id]),
            {"left": saved.public_id, "right": knee["march"].public_id},
        )

        assert response.status_code == 404
        with pytest.raises(ValidationError):
            services.comparison_save(actor=alice, left=saved, right=knee["march"])
        assert HealthRecord.objects.filter(kind="comparison").count() == 1


class TestNeverASourcePhoto:
    def test_the_gallery_the_pickers_and_the_api_leave_saved_comparisons_out(self, client, alice, knee):
        saved = services.comparison_save(actor=alice, left=knee["january"], right=knee["march"], alignment=ALIGNMENT)
        saved_file = saved.files.get()
        client.force_login(alice)
        access = policy.decide(alice, Action.VIEW, alice)

        assert saved_file not in selectors.patient_photos(user=alice, patient=alice, access=access)
        gallery = client.get(reverse("health_records:gallery", args=[alice.public_id]))
        assert [photo for _site, photos in gallery.context["groups"] for photo in photos] == [
            knee["january"],
            knee["february"],
            knee["march"],
        ]
        # Listed apart, under "saved comparisons", as a link to its record, not as a photo of the series.
        assert gallery.context["comparisons"] == [saved]
        assert saved_file.public_id.hex not in gallery.content.decode()
        assert str(saved_file.public_id) not in gallery.content.decode()
        page = client.get(reverse("health_records:compare", args=[knee["march"].record.public_id]))
        assert saved_file not in page.context["comparison"].photos
        assert f'value="{saved_file.public_id}"' not in page.content.decode()
        assert client.get(reverse("health_records:compare", args=[saved.public_id])).status_code == 404
        assert (
            client.get(
                reverse("health_records:compare", args=[knee["march"].record.public_id]), {"with": saved_file.public_id}
            ).status_code
            == 404
        )
        photos_api = api_client(alice).get(f"/api/v1/patients/{alice.public_id}/photos/")
        listed = [photo["public_id"] for group in photos_api.json() for photo in group["photos"]]
        assert str(saved_file.public_id) not in listed and len(listed) == 3


class TestListedUnderThePair:
    def test_the_compare_page_lists_the_comparisons_of_its_pair_and_a_photo_page_those_of_the_photo(
        self, client, alice, knee
    ):
        of_the_pair = services.comparison_save(actor=alice, left=knee["january"], right=knee["march"])
        other_pair = services.comparison_save(actor=alice, left=knee["february"], right=knee["march"])
        client.force_login(alice)

        page = client.get(
            reverse("health_records:compare", args=[knee["march"].record.public_id]),
            {"with": knee["january"].public_id, "other": knee["march"].public_id},
        )
        assert page.context["comparison"].saved == [of_the_pair]
        assert reverse("health_records:detail", args=[of_the_pair.public_id]) in page.content.decode()
        assert reverse("health_records:detail", args=[other_pair.public_id]) not in page.content.decode()

        march = client.get(reverse("health_records:detail", args=[knee["march"].record.public_id]))
        assert march.context["saved_comparisons"] == [other_pair, of_the_pair]
        january = client.get(reverse("health_records:detail", args=[knee["january"].record.public_id])).content
        assert reverse("health_records:detail", args=[of_the_pair.public_id]) in january.decode()
        assert reverse("health_records:detail", args=[other_pair.public_id]) not in january.decode()

    def test_a_grant_on_photos_alone_does_not_list_the_comparisons(self, client, alice, bob, knee):
        services.comparison_save(actor=alice, left=knee["january"], right=knee["march"])
        GrantFactory(patient=alice, professional=bob, kinds=["photo"])
        client.force_login(bob)

        page = client.get(reverse("health_records:compare", args=[knee["march"].record.public_id]))

        assert page.status_code == 200 and page.context["comparison"].saved == []
        detail = client.get(reverse("health_records:detail", args=[knee["march"].record.public_id]))
        assert detail.context["saved_comparisons"] == []


class TestApi:
    def test_it_saves_a_comparison_with_its_landmarks_and_shows_them_read_only(self, alice, knee):
        client = api_client(alice)

        response = client.post(
            "/api/v1/comparisons/",
            {"left": str(knee["january"].public_id), "right": str(knee["march"].public_id), "alignment": ALIGNMENT},
            format="json",
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["kind"] == "comparison"
        assert body["alignment"]["left"] == [[float(x), float(y)] for x, y in LANDMARKS]
        record = client.get(f"/api/v1/records/{body['public_id']}/").json()
        assert record["alignment"] == body["alignment"]
        photo_record = client.get(f"/api/v1/records/{knee['march'].record.public_id}/").json()
        assert photo_record["alignment"] is None
        changed = client.patch(f"/api/v1/records/{body['public_id']}/", {"alignment": {}}, format="json")
        assert changed.status_code == 200  # read only: the field is left as it was
        assert HealthRecord.objects.get(public_id=body["public_id"]).alignment != {}

    @pytest.mark.parametrize(
        ("alignment", "field"),
        [
            ({"left": [[250, 200]], "right": ALIGNMENT["right"]}, "alignment.left"),
            ({"left": ALIGNMENT["left"], "right": [[10, 10], [20, 20], [30, 30]]}, "alignment.right"),
            ({"left": [["a", 1], [2, 3]], "right": ALIGNMENT["right"]}, "alignment.left.0.0"),
            ({"left": ALIGNMENT["left"]}, "alignment.right"),
            ({"left": [[250, 200], [900, 420]], "right": ALIGNMENT["right"]}, "alignment"),
            ({"left": [[250, 200], [251, 200]], "right": ALIGNMENT["right"]}, "alignment"),
            ({"left": ALIGNMENT["left"], "right": [[-5, 10], [200, 300]]}, "alignment"),
        ],
        ids=["one point", "three points", "not a number", "one photo", "off the photo", "not distinct", "negative"],
    )
    def test_landmarks_it_cannot_use_get_a_clear_400(self, alice, knee, alignment, field):
        response = api_client(alice).post(
            "/api/v1/comparisons/",
            {"left": str(knee["january"].public_id), "right": str(knee["march"].public_id), "alignment": alignment},
            format="json",
        )

        assert response.status_code == 400
        body = response.json()
        assert body["code"] and body["detail"]
        assert field in body["fields"], body
        assert not HealthRecord.objects.filter(kind="comparison").exists()

    def test_a_saved_comparison_is_not_a_source_photo_in_the_api_either(self, alice, knee):
        saved = services.comparison_save(actor=alice, left=knee["january"], right=knee["march"]).files.get()

        response = api_client(alice).post(
            "/api/v1/comparisons/",
            {"left": str(saved.public_id), "right": str(knee["march"].public_id)},
            format="json",
        )

        assert response.status_code == 404

    def test_charlie_gets_404(self, charlie, alice, knee):
        response = api_client(charlie).post(
            "/api/v1/comparisons/",
            {"left": str(knee["january"].public_id), "right": str(knee["march"].public_id), "alignment": ALIGNMENT},
            format="json",
        )

        assert response.status_code == 404

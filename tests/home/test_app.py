"""The installed app, seen from the server: the manifest per role, its images, the page shown offline, the
pages the service worker may keep and the wipe at sign-out. tests/browser/test_app_in_browser.py drives it."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from relyfe.offline import OFFLINE_COPY_HEADER, RECENTLY_VIEWED
from tests.factories import HealthRecordFactory, TreatmentFactory

pytestmark = pytest.mark.django_db


def _manifest(client, role=""):
    response = client.get(reverse("manifest") + (f"?for={role}" if role else ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def _static_file(url):
    return finders.find(url.removeprefix("/static/"))


def test_the_manifest_makes_an_installable_standalone_app(client):
    manifest = _manifest(client)

    assert manifest["name"] == manifest["short_name"] == "ReLyfe"
    assert manifest["display"] == "standalone"
    assert (manifest["theme_color"], manifest["background_color"]) == ("#0b6e6e", "#f5f7fa")
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["purpose"] == "any"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" and icon["sizes"] == "512x512" for icon in manifest["icons"])
    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}


def test_every_image_of_the_manifest_exists_at_its_declared_size(client):
    manifest = _manifest(client, "patient")
    images = (
        manifest["icons"] + manifest["screenshots"] + [icon for cut in manifest["shortcuts"] for icon in cut["icons"]]
    )

    for image in images:
        with Image.open(_static_file(image["src"])) as opened:
            assert "x".join(map(str, opened.size)) == image["sizes"], image["src"]
            assert opened.format == "PNG"


def test_a_patient_starts_on_todays_doses_and_a_professional_on_their_home(client):
    patient, professional = _manifest(client, "patient"), _manifest(client, "professional")

    assert patient["start_url"] == reverse("treatments:today")
    assert [cut["url"] for cut in patient["shortcuts"]] == [reverse("treatments:today"), reverse("take_photo")]
    assert professional["start_url"] == reverse("home")
    assert [cut["url"] for cut in professional["shortcuts"]] == [reverse("sharing:scan"), reverse("take_photo")]


def test_an_unknown_role_has_no_manifest(client):
    assert client.get(reverse("manifest") + "?for=staff").status_code == 404


def test_every_page_links_the_manifest_of_its_users_role_and_the_phone_icons(client, alice):
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()

    assert f'<link rel="manifest" href="{reverse("manifest")}?for=patient">' in page
    assert 'rel="apple-touch-icon"' in page and 'name="apple-mobile-web-app-capable"' in page
    assert 'name="theme-color" content="#0b6e6e"' in page
    assert _static_file("/static/img/icons/apple-touch-icon.png")


def test_the_take_a_photo_shortcut_leads_a_patient_to_a_new_record_and_a_professional_to_their_patients(
    client, alice, bob
):
    client.force_login(alice)
    new_photo = reverse("health_records:create", args=[alice.public_id]) + "?kind=photo"
    assert client.get(reverse("take_photo")).url == new_photo
    assert 'value="photo" selected' in client.get(new_photo).content.decode()
    client.force_login(bob)
    assert client.get(reverse("take_photo")).url == reverse("sharing:my_patients")


def test_the_offline_page_holds_nothing_about_the_user(client, alice):
    client.force_login(alice)

    page = client.get(reverse("offline")).content.decode()

    assert alice.first_name not in page
    assert reverse("treatments:today") in page and reverse("sharing:emergency") in page


def test_the_service_worker_knows_the_app_shell(client):
    script = client.get(reverse("service_worker")).content.decode()

    settings = json.loads(script.splitlines()[0].removeprefix("self.RELYFE = ").removesuffix(";"))
    assert "/static/css/relyfe.css" in settings["shell"]
    assert settings["offlinePage"] == reverse("offline")
    assert settings["copyHeader"] == OFFLINE_COPY_HEADER


def test_only_the_patients_own_doses_and_emergency_card_may_be_kept_offline(client, alice, bob_sees_alice, bob):
    TreatmentFactory(patient=alice)
    client.force_login(alice)

    own_doses = client.get(reverse("treatments:patient", args=[alice.public_id]))
    own_card = client.get(reverse("sharing:emergency"))
    records = client.get(reverse("health_records:timeline", args=[alice.public_id]))
    home = client.get(reverse("home"))
    client.force_login(bob)
    seen_by_professional = client.get(reverse("treatments:patient", args=[alice.public_id]))

    assert own_doses[OFFLINE_COPY_HEADER] == reverse("treatments:today")
    assert own_card[OFFLINE_COPY_HEADER] == reverse("sharing:emergency")
    assert "no-store" in own_doses["Cache-Control"]  # still kept by no browser cache, only by the worker
    for page in (records, home, seen_by_professional):
        assert page.status_code == 200
        assert OFFLINE_COPY_HEADER not in page


def test_signing_out_asks_the_browser_to_wipe_what_the_app_kept(client, alice):
    client.force_login(alice)

    response = client.post(reverse("accounts:logout"))

    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_only_the_patients_own_record_page_may_be_kept_on_a_phone_that_opted_in(client, alice, bob_sees_alice, bob):
    record = HealthRecordFactory(patient=alice, title="IRM du genou")
    client.force_login(alice)

    own_record = client.get(reverse("health_records:detail", args=[record.public_id]))
    timeline = client.get(reverse("health_records:timeline", args=[alice.public_id]))
    client.force_login(bob)
    seen_by_professional = client.get(reverse("health_records:detail", args=[record.public_id]))

    assert own_record[OFFLINE_COPY_HEADER] == RECENTLY_VIEWED
    assert "no-store" in own_record["Cache-Control"]
    # The page names itself for the offline list and offers the device's switch, to its owner only.
    assert b'name="relyfe-offline-label" content="IRM du genou' in own_record.content
    assert b"data-keep-records-switch" in own_record.content
    for page in (timeline, seen_by_professional):
        assert page.status_code == 200
        assert OFFLINE_COPY_HEADER not in page
    assert b"relyfe-offline-label" not in seen_by_professional.content
    assert b"data-keep-records-switch" not in seen_by_professional.content

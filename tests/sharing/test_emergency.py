import datetime
import io
import secrets

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import AccessEvent
from notifications.models import Notification
from sharing import heartcode
from sharing import services as sharing
from sharing.services.emergency import VIEW_NOTICE_WINDOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(alice):
    profile = sharing.emergency_profile_ensure(patient=alice)
    return sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"enabled": True, "blood_group": "O-", "allergies": "Pénicilline", "conditions": "Asthme sévère"},
        visible_sections=["blood_group", "allergies"],
    )


def emergency_url(profile):
    return reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])


def test_the_emergency_page_is_off_until_the_patient_turns_it_on(client, alice):
    profile = sharing.emergency_profile_ensure(patient=alice)

    assert client.get(emergency_url(profile)).status_code == 404


def test_the_emergency_page_shows_only_the_chosen_sections_to_anyone(client, alice, profile):
    response = client.get(emergency_url(profile))

    page = response.content.decode()
    assert response.status_code == 200
    assert "O-" in page and "Pénicilline" in page
    assert "Asthme" not in page  # filled in, but not chosen for the page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "no-store" in response["Cache-Control"]


def test_each_view_is_logged_and_the_patient_is_told(client, alice, profile):
    client.get(emergency_url(profile))

    event = AccessEvent.objects.get(patient=alice, object_type="emergency_profile", action="view")
    assert (event.access_path, event.actor, event.actor_label) == ("emergency", None, "Emergency page visitor")
    assert Notification.objects.filter(recipient=alice, event="emergency_profile_viewed").exists()


def emergency_notices(patient) -> list[str]:
    return list(
        Notification.objects.filter(recipient=patient, event="emergency_profile_viewed")
        .order_by("pk")
        .values_list("message", flat=True)
    )


def test_a_visitor_reading_the_page_again_is_logged_each_time_and_told_once(
    client, alice, profile, django_capture_on_commit_callbacks
):
    def view(address, user_agent="Firefox"):
        with django_capture_on_commit_callbacks(execute=True):  # as the request's own commit would
            response = client.get(emergency_url(profile), REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)
        assert response.status_code == 200

    for _view in range(3):
        view("192.0.2.10")
    view("192.0.2.99")  # someone else, elsewhere
    view("192.0.2.10", user_agent="Safari")  # someone else behind the same address
    view("192.0.2.99")

    views = AccessEvent.objects.filter(patient=alice, object_type="emergency_profile", action="view")
    assert views.count() == 6
    assert len(emergency_notices(alice)) == 3


def test_a_member_reading_the_page_again_is_told_once_under_their_name(
    client, alice, dave, profile, django_capture_on_commit_callbacks
):
    client.force_login(dave)
    for _view in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.get(emergency_url(profile))

    assert AccessEvent.objects.filter(patient=alice, object_type="emergency_profile", actor=dave).count() == 2
    assert emergency_notices(alice) == [f"{dave.full_name} a consulté votre profil d’urgence."]


def test_the_patient_is_told_again_once_the_window_is_over(client, alice, profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.get(emergency_url(profile))
    later = timezone.now() + VIEW_NOTICE_WINDOW + datetime.timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        client.get(emergency_url(profile))

    assert len(emergency_notices(alice)) == 2


def test_a_view_whose_notice_was_not_committed_leaves_the_next_view_to_tell(client, alice, profile):
    """Inside the test's transaction nothing commits: no mark is set, and each view tells the patient."""
    client.get(emergency_url(profile))
    client.get(emergency_url(profile))

    assert len(emergency_notices(alice)) == 2


def test_guessing_heart_code_tokens_is_rate_limited(client, profile):
    for guess in range(30):
        assert client.get(reverse("sharing:emergency_page", args=[f"guess-{guess}"])).status_code == 404

    assert client.get(reverse("sharing:emergency_page", args=["guess-30"])).status_code == 429


def test_the_emergency_page_always_opens_for_a_valid_token(client, profile):
    for guess in range(31):
        client.get(reverse("sharing:emergency_page", args=[f"guess-{guess}"]))

    views = [client.get(emergency_url(profile)).status_code for _view in range(40)]

    assert views == [200] * 40


def test_a_new_heart_code_kills_the_old_url(client, alice, profile):
    old_url = emergency_url(profile)
    client.force_login(alice)

    client.post(reverse("sharing:heartcode_regenerate"))

    profile.refresh_from_db()
    assert client.get(old_url).status_code == 404
    assert client.get(emergency_url(profile)).status_code == 200
    assert old_url != emergency_url(profile)


def test_the_token_cannot_be_read_from_the_database(alice, profile):
    token = sharing.emergency_token_of(profile)

    assert token not in (profile.token_nonce, profile.token_hash)


@pytest.mark.parametrize(
    ("file_format", "content_type", "magic"),
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
        ("card.png", "image/png", b"\x89PNG"),
        ("card.pdf", "application/pdf", b"%PDF"),
    ],
)
def test_the_patient_downloads_the_heart_code(client, alice, profile, file_format, content_type, magic):
    client.force_login(alice)

    response = client.get(reverse("sharing:heartcode_download", args=[file_format]))

    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert "attachment" in response["Content-Disposition"]


def test_the_downloaded_card_holds_the_emergency_url(client, alice, profile):
    client.force_login(alice)

    card = client.get(reverse("sharing:heartcode_download", args=["card.png"])).content

    assert heartcode.decode_qr(card) == ["http://127.0.0.1:8000" + emergency_url(profile)]


def test_a_professional_with_a_grant_goes_straight_to_the_file(client, alice, bob, profile, grant_to_bob):
    grant_to_bob()
    client.force_login(bob)

    response = client.get(emergency_url(profile))

    assert response.url == reverse("health_records:timeline", args=[alice.public_id])


def phone_photo_of_card(profile) -> bytes:
    url = "http://testserver" + emergency_url(profile)
    card = Image.open(io.BytesIO(heartcode.wallet_card_png(name="Alice", url=url, instructions="Scan me")))
    table = Image.new("RGB", (1600, 1200), (120, 110, 100))
    table.paste(card.rotate(19, expand=True, fillcolor=(120, 110, 100)), (150, 100))
    buffer = io.BytesIO()
    table.resize((1200, 900)).save(buffer, "JPEG", quality=55)
    return buffer.getvalue()


def test_the_scan_page_reads_a_photo_of_a_printed_card(client, bob, profile):
    client.force_login(bob)

    response = client.post(
        reverse("sharing:scan"), {"photo": SimpleUploadedFile("card.jpg", phone_photo_of_card(profile))}
    )

    assert response.status_code == 302
    assert response.url == emergency_url(profile)


def test_the_scan_page_refuses_a_code_from_another_site(client, bob):
    buffer = io.BytesIO(heartcode.qr_png("https://evil.example/e/abc/"))
    client.force_login(bob)

    response = client.post(reverse("sharing:scan"), {"photo": SimpleUploadedFile("code.png", buffer.getvalue())})

    assert response.status_code == 200
    assert response.context["form"].errors["photo"]


@pytest.fixture
def alice_treatments(alice):
    """A current treatment (one medication taken, one stopped) and a finished one."""
    from tests.factories import MedicationFactory, TreatmentFactory
    from treatments.selectors import patient_today

    today = patient_today(alice)
    current = TreatmentFactory(patient=alice, title="Hypothyroïdie", start_date=today - datetime.timedelta(days=90))
    MedicationFactory(treatment=current, name="LEVOTHYROX", strength="75 µg", morning=True)
    MedicationFactory(treatment=current, name="CALCIUM", evening=True, stopped_at=timezone.now())
    finished = TreatmentFactory(
        patient=alice,
        title="Angine",
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=23),
    )
    MedicationFactory(treatment=finished, name="AMOXICILLINE", morning=True)


def test_the_emergency_page_shows_the_current_treatments_only_when_the_patient_opts_in(
    client, alice, profile, alice_treatments
):
    before = client.get(emergency_url(profile)).content.decode()
    sharing.emergency_profile_update(
        actor=alice, profile=profile, fields={"show_current_treatments": True}, visible_sections=["blood_group"]
    )

    after = client.get(emergency_url(profile)).content.decode()

    assert "LEVOTHYROX" not in before and "Traitements en cours" not in before
    assert "Traitements en cours" in after
    assert '<span class="medication__name">LEVOTHYROX</span>' in after
    assert "75 µg" in after and "matin" in after
    assert "CALCIUM" not in after  # stopped
    assert "AMOXICILLINE" not in after  # its treatment is finished


def test_the_old_hand_written_treatments_stay_as_other_treatments_and_notes(client, alice, profile):
    sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={"treatments": "Vitamine D tous les trois mois"},
        visible_sections=["treatments"],
    )

    page = client.get(emergency_url(profile)).content.decode()

    assert "Autres traitements et notes" in page and "Vitamine D tous les trois mois" in page


def test_the_patient_chooses_to_show_the_current_treatments_on_the_edit_page(client, alice, profile, alice_treatments):
    client.force_login(alice)
    page = client.get(reverse("sharing:emergency")).content.decode()
    assert "Afficher mes traitements en cours" in page
    assert "Aujourd’hui, cela donne" in page and "LEVOTHYROX" in page

    client.post(
        reverse("sharing:emergency"),
        {"enabled": "on", "blood_group": "O-", "show_current_treatments": "on", "sections": ["blood_group"]},
    )

    profile.refresh_from_db()
    assert profile.show_current_treatments
    assert "LEVOTHYROX" in client.get(emergency_url(profile)).content.decode()


def test_random_guesses_from_alices_address_never_stop_her_real_heart_code(client, profile):
    """The attack of issue 17: guesses from the address the patient (or her first responder) is behind."""
    guesses = [
        client.get(reverse("sharing:emergency_page", args=[secrets.token_urlsafe(24)]), REMOTE_ADDR="192.0.2.44")
        for _guess in range(35)
    ]

    real = client.get(emergency_url(profile), REMOTE_ADDR="192.0.2.44")

    assert [guess.status_code for guess in guesses] == [404] * 30 + [429] * 5
    assert real.status_code == 200
    assert "Pénicilline" in real.content.decode()

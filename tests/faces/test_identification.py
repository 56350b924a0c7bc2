"""Face identification through the web pages, with the real local model on the test photos: consent,
enrolment, identification, withdrawal, the quick account and the demonstration page."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from access.models import Grant, GrantOrigin
from accounts.models import User
from accounts.services import account_claim_redeem
from audit.models import AccessEvent
from faces import services
from faces.models import ConsentMethod, FaceConsent, FaceSearch, FaceTemplate, SearchOutcome
from faces.tasks import erase_face_templates
from notifications.models import Event, Notification
from relyfe.undo import UNDO_WINDOW
from sharing import services as sharing
from sharing.models import AccessRequest
from tests.faces.conftest import photo, verify
from tests.factories import PASSWORD, ProfessionalFactory


@pytest.fixture(autouse=True)
def english(settings, bands):
    settings.LANGUAGE_CODE = "en"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo(name), content_type="image/jpeg")


def landscape() -> SimpleUploadedFile:
    """A photo with no face in it: a sky over a field."""
    image = Image.new("RGB", (640, 480), (120, 170, 230))
    image.paste((60, 140, 60), (0, 300, 640, 480))
    output = io.BytesIO()
    image.save(output, format="JPEG")
    return SimpleUploadedFile("field.jpg", output.getvalue(), content_type="image/jpeg")


def enrol_alice(client, alice, name="obama_1.jpg"):
    client.force_login(alice)
    return client.post(reverse("faces:mine"), {"consent": "on", "photo": upload(name)})


def identify(client, professional, name):
    client.force_login(professional)
    return client.post(reverse("faces:identify"), {"photo": upload(name)}, follow=True)


def test_a_patient_enrols_their_own_face_and_their_doctor_finds_them(client, alice, doctor):
    response = enrol_alice(client, alice)
    assert response.status_code == 302
    page = client.get(reverse("faces:mine")).content.decode()
    assert "A face template of you exists (1 photo enrolled)" in page
    assert "Withdraw my consent" in page

    result = identify(client, doctor, "obama_2.jpg")

    page = result.content.decode()
    assert result.redirect_chain[-1][0].startswith("/faces/searches/")
    assert alice.full_name in page
    assert reverse("health_records:timeline", args=[alice.public_id]) in page
    search = FaceSearch.objects.get()
    candidate = search.candidates.get()
    assert (candidate.patient, search.outcome) == (alice, SearchOutcome.MATCH)
    assert candidate.band == "strong"
    assert "Strong match" in page and "Confidence" not in page
    assert f"Similarity {candidate.similarity:.2f} on a scale of 0 to 100" in page  # inside "Show the score"
    event = AccessEvent.objects.get(patient=alice, object_type="face_search")
    assert (event.actor, event.action) == (doctor, "identify")
    client.force_login(alice)
    assert "identified you from a photo" in client.get(reverse("audit:access_log")).content.decode()


def test_another_person_is_not_taken_for_the_patient(client, alice, doctor, settings):
    settings.FACES_MATCH_THRESHOLD = 99.0
    enrol_alice(client, alice)

    page = identify(client, doctor, "biden_1.jpg").content.decode()

    assert "No match: nobody enrolled looks enough like this face." in page
    assert alice.full_name not in page
    assert FaceSearch.objects.get().outcome == SearchOutcome.NO_MATCH
    assert not AccessEvent.objects.filter(object_type="face_search").exists()


def test_without_consent_nothing_is_computed_nor_stored(client, alice, doctor):
    client.force_login(alice)
    response = client.post(reverse("faces:mine"), {"photo": upload("obama_1.jpg")})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()

    with pytest.raises(PermissionDenied):
        services.face_enrol(actor=doctor, patient=alice, image=photo("obama_1.jpg"))

    assert not FaceTemplate.objects.exists()
    assert not FaceConsent.objects.exists()


@pytest.mark.parametrize(
    "make_upload, message",
    [
        (lambda: upload("group_obama_and_biden.jpg"), "Several faces"),
        (landscape, "No face"),
        (
            lambda: SimpleUploadedFile("notes.jpg", b"not a photo at all", content_type="image/jpeg"),
            "could not be read as a photo",
        ),
    ],
)
def test_an_unusable_photo_gets_a_clear_message_and_nothing_is_kept(client, alice, make_upload, message):
    client.force_login(alice)

    response = client.post(reverse("faces:mine"), {"consent": "on", "photo": make_upload()})

    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not FaceTemplate.objects.exists()


def test_withdrawal_deletes_the_templates_and_the_patient_is_no_longer_found(client, alice, doctor):
    enrol_alice(client, alice)
    client.post(reverse("faces:mine"), {"consent": "on", "photo": upload("obama_3.jpg")})
    assert FaceTemplate.objects.filter(patient=alice).count() == 2

    response = client.post(reverse("faces:withdraw"), follow=True)

    assert "Your face templates are deleted in a few seconds." in response.content.decode()
    consent = FaceConsent.objects.get(patient=alice)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == alice
    FaceConsent.objects.update(withdrawn_at=timezone.now() - UNDO_WINDOW * 2)
    erase_face_templates(consent.pk)  # the task queued by the withdrawal, once the undo window is over
    assert not FaceTemplate.objects.exists()
    assert AccessEvent.objects.filter(patient=alice, object_type="face_template", action="revoke").count() == 2
    assert "No template of your face exists" in client.get(reverse("faces:mine")).content.decode()
    page = identify(client, doctor, "obama_2.jpg").content.decode()
    assert "No match" in page


def test_a_doctor_enrols_a_patient_after_recording_their_consent(client, alice, doctor):
    client.force_login(doctor)
    url = reverse("faces:enrol_patient", args=[alice.public_id])
    assert "Face identification — consent" in client.get(url).content.decode()

    response = client.post(url, {"consent": "on", "photo": upload("obama_1.jpg")})

    assert response.status_code == 302
    consent = FaceConsent.objects.get(patient=alice)
    assert (consent.method, consent.recorded_by, consent.text_version) == (ConsentMethod.RECORDED, doctor, "2026-11")
    assert FaceTemplate.objects.get().enrolled_by == doctor
    assert Notification.objects.filter(recipient=alice, event=Event.FACE_ENROLLED).exists()
    client.force_login(alice)
    assert "given to a professional, who recorded it" in client.get(reverse("faces:mine")).content.decode()


def test_a_professional_without_access_confirms_the_birth_date_then_may_ask_for_access(client, alice):
    enrol_alice(client, alice)
    stranger = verify(ProfessionalFactory(first_name="Zoé"))

    response = identify(client, stranger, "obama_2.jpg")

    page = response.content.decode()
    assert "Strong match" in page and "A patient enrolled in ReLyfe" in page
    assert "The patient&#x27;s birth date" in page
    assert alice.full_name not in page and str(alice.public_id) not in page
    search = FaceSearch.objects.get()
    asked_too_early = client.post(
        reverse("faces:request_access", args=[search.public_id, 1]), {"reason": "Unconscious in the ward"}
    )
    assert asked_too_early.status_code == 403 and not AccessRequest.objects.exists()

    birth_date = alice.patient_profile.birth_date
    confirmed = client.post(
        reverse("faces:confirm_candidate", args=[search.public_id, 1]), {"answer": birth_date.isoformat()}, follow=True
    ).content.decode()

    assert "Confirmed: you can now see who the patient is." in confirmed
    assert alice.full_name in confirmed
    assert reverse("health_records:timeline", args=[alice.public_id]) not in confirmed
    assert search.candidates.get().confirmed_at is not None
    sent = client.post(
        reverse("faces:request_access", args=[search.public_id, 1]), {"reason": "Unconscious in the ward"}, follow=True
    )
    assert "Your request was sent." in sent.content.decode()
    access_request = AccessRequest.objects.get()
    assert (access_request.patient, access_request.requester) == (alice, stranger)
    assert Notification.objects.filter(recipient=alice, event=Event.ACCESS_REQUEST_RECEIVED).exists()


def test_the_emergency_page_is_offered_once_the_match_is_confirmed(client, alice):
    enrol_alice(client, alice)
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    emergency_url = reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])
    stranger = verify(ProfessionalFactory())

    before = identify(client, stranger, "obama_4.jpg").content.decode()
    search = FaceSearch.objects.get()
    after = client.post(
        reverse("faces:confirm_candidate", args=[search.public_id, 1]),
        {"answer": alice.patient_profile.birth_date.strftime("%d/%m/%Y")},
        follow=True,
    ).content.decode()

    assert alice.full_name not in before and emergency_url not in before
    assert alice.full_name in after and emergency_url in after
    assert reverse("health_records:timeline", args=[alice.public_id]) not in after


def test_only_verified_professionals_identify_and_each_sees_only_their_recent_searches(client, alice, doctor, charlie):
    client.force_login(charlie)
    assert client.get(reverse("faces:identify")).status_code == 404
    enrol_alice(client, alice)
    identify(client, doctor, "obama_2.jpg")
    search = FaceSearch.objects.get()
    url = reverse("faces:search", args=[search.public_id])

    client.force_login(verify(charlie))
    assert client.get(url).status_code == 404
    client.force_login(doctor)
    assert client.get(url).status_code == 200
    FaceSearch.objects.filter(pk=search.pk).update(at=search.at - timedelta(hours=2))
    assert client.get(url).status_code == 404


def test_search_photos_are_not_kept(client, alice, doctor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    enrol_alice(client, alice)

    identify(client, doctor, "obama_2.jpg")

    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_quick_account_is_created_enrolled_and_claimed_by_the_patient(client, doctor):
    client.force_login(doctor)
    response = client.post(
        reverse("faces:quick_account"),
        {
            "first_name": "Joseph",
            "last_name": "Robinette",
            "approximate_birth_year": "1943",
            "language": "en",
            "email": "joe@example.org",
            "consent": "on",
            "photo": upload("biden_1.jpg"),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    patient = User.objects.get(last_name="Robinette")
    assert patient.claim_pending and not patient.has_usable_password()
    assert patient.patient_profile.approximate_birth_year == 1943
    assert Grant.objects.get(patient=patient).origin == GrantOrigin.QUICK_ACCOUNT
    code = mail.outbox[0].body.split("enter this code:")[1].split()[0]
    assert code in page
    assert "An invitation was sent to joe@example.org." in page

    found = identify(client, doctor, "biden_2.jpg").content.decode()
    assert "Joseph Robinette" in found

    account_claim_redeem(code=code.lower(), email=None, phone=None, password=PASSWORD)
    assert client.login(username="joe@example.org", password=PASSWORD)


def test_a_quick_account_without_a_usable_photo_creates_nothing(client, doctor):
    client.force_login(doctor)

    response = client.post(
        reverse("faces:quick_account"),
        {"first_name": "Nobody", "last_name": "Known", "language": "fr", "consent": "on", "photo": landscape()},
    )

    assert "No face" in response.content.decode()
    assert not User.objects.filter(last_name="Known").exists()
    assert not FaceTemplate.objects.exists()


def test_the_demonstration_page_creates_an_identity_then_finds_it(client, alice, doctor):
    client.force_login(doctor)
    url = reverse("faces:demo")
    page = client.get(url).content.decode()
    assert "Create a new identity" in page and "Compare a face to an identity" in page

    created = client.post(
        url,
        {
            "section": "enrol",
            "enrol-identifier": alice.email,
            "enrol-consent": "on",
            "enrol-photo": upload("kit_harington_1.jpeg"),
        },
    ).content.decode()
    assert f"Enrolled: {alice.full_name} (ReLyfe id {alice.public_id})." in created

    compared = client.post(
        url, {"section": "compare", "compare-photo": upload("kit_harington_2.jpeg")}
    ).content.decode()
    similarity = FaceSearch.objects.get().candidates.get().similarity
    assert f"ReLyfe id {alice.public_id}" in compared
    assert "Strong match" in compared and f"Similarity {similarity:.2f}" in compared

    unknown = client.post(
        url,
        {
            "section": "enrol",
            "enrol-identifier": "nobody@example.org",
            "enrol-consent": "on",
            "enrol-photo": upload("obama_1.jpg"),
        },
    ).content.decode()
    assert "None of your patients has this identifier." in unknown

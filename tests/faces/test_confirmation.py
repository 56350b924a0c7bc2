"""A face match never names a patient by itself: the second factor the patient chose, the lock after wrong
answers, look-alikes left ambiguous, and enrolments of several photos. The real local model runs on the test
photos; each test sets its bands around the similarities the engine measures, never on the shipped defaults."""

import io
import logging
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from access.models import Permission, Scope
from audit.models import AccessEvent
from faces import services
from faces.models import ConfirmationFactor, FaceConsent, FaceSearch, FaceTemplate, SearchOutcome
from sharing import services as sharing
from sharing.models import AccessRequest
from tests.faces.conftest import photo, similarity, verify
from tests.factories import ProfessionalFactory

ATTEMPTS = 3


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.FACES_CONFIRMATION_ATTEMPTS = ATTEMPTS


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo(name), content_type="image/jpeg")


def landscape() -> SimpleUploadedFile:
    """A photo with no face in it."""
    image = Image.new("RGB", (640, 480), (120, 170, 230))
    image.paste((60, 140, 60), (0, 300, 640, 480))
    output = io.BytesIO()
    image.save(output, format="JPEG")
    return SimpleUploadedFile("field.jpg", output.getvalue(), content_type="image/jpeg")


def enrol(patient, *names):
    services.face_consent_give(actor=patient, patient=patient)
    return services.face_enrol_photos(actor=patient, patient=patient, images=[photo(name) for name in names])


def identify(client, professional, name):
    client.force_login(professional)
    response = client.post(reverse("faces:identify"), {"photo": upload(name)}, follow=True)
    return response.content.decode()


def confirm(client, search, answer, rank=1):
    url = reverse("faces:confirm_candidate", args=[search.public_id, rank])
    return client.post(url, {"answer": answer}, follow=True).content.decode()


def possible_only(settings, name_a, name_b):
    """Bands in which these two photos are a possible match, not a strong one."""
    score = similarity(name_a, name_b)
    settings.FACES_MATCH_THRESHOLD = score - 1
    settings.FACES_STRONG_MATCH_THRESHOLD = score + 0.5
    settings.FACES_AMBIGUITY_MARGIN = 0.5


def strong(settings, name_a, name_b):
    score = similarity(name_a, name_b)
    settings.FACES_MATCH_THRESHOLD = score - 2
    settings.FACES_STRONG_MATCH_THRESHOLD = score - 1
    settings.FACES_AMBIGUITY_MARGIN = 0.5


@pytest.fixture
def stranger(db):
    """A verified professional who has no access to alice's file."""
    return verify(ProfessionalFactory(first_name="Zoé"))


# A possible match -------------------------------------------------------------------------------------------


def test_a_possible_match_asks_for_the_birth_date_even_when_the_professional_has_access(
    client, settings, alice, doctor
):
    enrol(alice, "obama_1.jpg")
    possible_only(settings, "obama_1.jpg", "obama_2.jpg")

    page = identify(client, doctor, "obama_2.jpg")

    search = FaceSearch.objects.get()
    candidate = search.candidates.get()
    assert (search.outcome, candidate.band) == (SearchOutcome.MATCH, "possible")
    assert "Possible match" in page and "Strong match" not in page
    assert "may be someone else who looks alike" in page
    assert "The patient&#x27;s birth date" in page and 'type="date"' in page
    assert alice.full_name not in page and str(alice.public_id) not in page
    assert reverse("health_records:timeline", args=[alice.public_id]) not in page
    # The number is there for whoever opens the details, and never reads as a certainty.
    assert "Show the similarity score" in page and "It is not a probability" in page
    assert "%" not in page.split('<ol class="candidates">', 1)[1].split("</ol>", 1)[0]

    confirmed = confirm(client, search, alice.patient_profile.birth_date.isoformat())

    assert "Confirmed: you can now see who the patient is." in confirmed
    assert alice.full_name in confirmed
    assert reverse("health_records:timeline", args=[alice.public_id]) in confirmed
    assert 'name="answer"' not in confirmed


def test_a_strong_match_names_the_patient_to_a_professional_with_access_at_once(client, settings, alice, doctor):
    enrol(alice, "obama_1.jpg")
    strong(settings, "obama_1.jpg", "obama_2.jpg")

    page = identify(client, doctor, "obama_2.jpg")

    assert "Strong match" in page and alice.full_name in page
    assert reverse("health_records:timeline", args=[alice.public_id]) in page
    assert 'name="answer"' not in page


# Wrong answers ----------------------------------------------------------------------------------------------


def test_a_wrong_factor_reveals_nothing_and_the_match_locks_after_the_allowed_attempts(
    client, settings, alice, dave, stranger, caplog
):
    enrol(alice, "obama_1.jpg")
    strong(settings, "obama_1.jpg", "obama_3.jpg")
    identify(client, stranger, "obama_3.jpg")
    search = FaceSearch.objects.get()
    right = alice.patient_profile.birth_date
    # Dave's birth date first: a real patient's, and still nothing about alice shows.
    theirs = dave.patient_profile.birth_date
    wrong_answers = [theirs if theirs != right else right - timedelta(days=2), right + timedelta(days=1)]
    wrong_answers.append(right - timedelta(days=365))

    caplog.set_level(logging.DEBUG)
    pages = [confirm(client, search, answer.isoformat()) for answer in wrong_answers]
    after_lock = confirm(client, search, right.isoformat())

    for page in pages:
        assert alice.full_name not in page and str(alice.public_id) not in page
    for number, page in enumerate(pages[:-1], start=1):
        left = ATTEMPTS - number
        assert f"This does not confirm who the patient is: nothing is shown. {left} attempt" in page
    assert "Too many wrong answers: this match stays anonymous." in pages[-1]
    assert 'name="answer"' not in pages[-1]
    assert alice.full_name not in after_lock
    assert "Too many wrong answers" in after_lock
    candidate = search.candidates.get()
    assert candidate.confirmed_at is None and candidate.failed_confirmations == ATTEMPTS
    # Every attempt is in alice's access log, the answers nowhere.
    attempts = AccessEvent.objects.filter(patient=alice, actor=stranger, object_type="face_search")
    assert attempts.count() == 1 + ATTEMPTS + 1  # the search, the wrong answers, the one after the lock
    written = " ".join(str(value) for row in attempts.values() for value in row.values()) + caplog.text
    for answer in [*wrong_answers, right]:
        assert answer.isoformat() not in written


def test_a_new_search_does_not_buy_new_guesses(api_client, settings, alice, stranger):
    enrol(alice, "obama_1.jpg")
    strong(settings, "obama_1.jpg", "obama_2.jpg")
    api_client.force_authenticate(stranger)

    def search_and_guess(guesses):
        search = api_client.post(reverse("api:face-identify"), {"image": upload("obama_2.jpg")}, format="multipart")
        url = reverse("api:face-candidate-confirm", args=[search.json()["search_id"], 1])
        return [api_client.post(url, {"answer": "1900-01-01"}) for _ in range(guesses)]

    first = search_and_guess(ATTEMPTS + 1)
    second = search_and_guess(1)

    # The last wrong answer locks the candidate: it says so, and so does every attempt after it.
    assert [response.status_code for response in first] == [400] * (ATTEMPTS - 1) + [403, 403]
    assert {response.json()["code"] for response in first[: ATTEMPTS - 1]} == {"wrong_factor"}
    assert {response.json()["code"] for response in first[ATTEMPTS - 1 :]} == {"confirmation_locked"}
    assert [response.status_code for response in second] == [429]
    assert second[0].json()["code"] == "throttled" and second[0].json()["wait"] > 0
    assert FaceSearch.objects.order_by("at", "id").last().candidates.get().failed_confirmations == 0
    for response in first + second:
        assert alice.full_name not in response.content.decode()


# The patient's choice ---------------------------------------------------------------------------------------


def test_the_patient_chooses_the_phone_only_with_a_phone_and_the_professional_asks_for_its_digits(
    client, settings, alice, stranger
):
    enrol(alice, "obama_1.jpg")
    client.force_login(alice)
    without_phone = client.get(reverse("faces:mine")).content.decode()
    refused = client.post(reverse("faces:confirm_with"), {"confirm_with": "phone_digits"}, follow=True)
    alice.phone = "+33612345678"
    alice.save()
    with_phone = client.get(reverse("faces:mine")).content.decode()
    chosen = client.post(reverse("faces:confirm_with"), {"confirm_with": "phone_digits"}, follow=True)

    assert "How a professional confirms it is me" in without_phone
    assert "my birth date" in without_phone and "the last four digits of my mobile phone" not in without_phone
    assert "my Heart-Code card" not in without_phone
    assert "Choose one of the ways offered." in refused.content.decode()
    assert "the last four digits of my mobile phone" in with_phone
    assert "Saved: a professional who finds you by your face will ask you for this." in chosen.content.decode()
    assert FaceConsent.objects.get(patient=alice).confirm_with == ConfirmationFactor.PHONE_DIGITS

    strong(settings, "obama_1.jpg", "obama_4.jpg")
    page = identify(client, stranger, "obama_4.jpg")
    search = FaceSearch.objects.get()
    assert "The last four digits of the patient&#x27;s mobile phone" in page
    assert alice.full_name not in confirm(client, search, alice.patient_profile.birth_date.isoformat())
    assert alice.full_name in confirm(client, search, "5678")


def test_the_heart_code_confirms_the_patient_when_they_chose_it(client, settings, alice, stranger):
    enrol(alice, "obama_1.jpg")
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    client.force_login(alice)
    assert "my Heart-Code card" in client.get(reverse("faces:mine")).content.decode()
    client.post(reverse("faces:confirm_with"), {"confirm_with": "heart_code"})
    other = sharing.emergency_profile_ensure(patient=ProfessionalFactory())  # somebody else's code

    strong(settings, "obama_1.jpg", "obama_4.jpg")
    page = identify(client, stranger, "obama_4.jpg")
    search = FaceSearch.objects.get()
    wrong = confirm(client, search, f"https://relyfe.example/e/{sharing.emergency_token_of(other)}/")
    right = confirm(client, search, f"https://relyfe.example/e/{sharing.emergency_token_of(profile)}/")

    assert "Heart-Code opens" in page
    assert alice.full_name not in wrong
    assert alice.full_name in right


def test_a_confirmed_match_lets_the_professional_ask_for_access(client, settings, alice, stranger):
    enrol(alice, "obama_1.jpg")
    possible_only(settings, "obama_1.jpg", "obama_2.jpg")
    identify(client, stranger, "obama_2.jpg")
    search = FaceSearch.objects.get()

    confirmed = confirm(client, search, alice.patient_profile.birth_date.isoformat())
    sent = client.post(
        reverse("faces:request_access", args=[search.public_id, 1]), {"reason": "Brought in unconscious"}, follow=True
    )

    assert "Ask the patient for access" in confirmed and alice.full_name in confirmed
    assert "Your request was sent." in sent.content.decode()
    assert AccessRequest.objects.get().patient == alice


# Look-alikes ------------------------------------------------------------------------------------------------


def test_two_enrolled_look_alikes_are_ambiguous_and_nobody_is_named(client, settings, alice, dave, doctor):
    enrol(alice, "obama_1.jpg")
    enrol(dave, "lin_manuel_miranda_1.png")
    sharing.grant_give(actor=dave, professional=doctor, scope=Scope.ALL, permission=Permission.CONTRIBUTE)
    scores = [similarity("obama_4.jpg", "obama_1.jpg"), similarity("obama_4.jpg", "lin_manuel_miranda_1.png")]
    settings.FACES_MATCH_THRESHOLD = min(scores) - 1
    settings.FACES_STRONG_MATCH_THRESHOLD = max(scores) + 1
    settings.FACES_AMBIGUITY_MARGIN = abs(scores[0] - scores[1]) + 1

    page = identify(client, doctor, "obama_4.jpg")

    search = FaceSearch.objects.get()
    assert search.outcome == SearchOutcome.AMBIGUOUS
    assert search.candidates.count() == 2  # both patients see the search in their access log
    assert "Several patients look alike." in page and "scan their Heart-Code" in page
    for patient in (alice, dave):
        assert patient.full_name not in page and str(patient.public_id) not in page
    assert 'name="answer"' not in page and "Open the file" not in page
    url = reverse("faces:confirm_candidate", args=[search.public_id, 1])
    refused = client.post(url, {"answer": alice.patient_profile.birth_date.isoformat()})
    assert refused.status_code == 404
    api = APIClient()
    api.force_authenticate(doctor)
    body = api.post(reverse("api:face-identify"), {"image": upload("obama_4.jpg")}, format="multipart").json()
    assert (body["outcome"], body["candidates"]) == ("ambiguous", [])


def test_a_patient_enrolled_with_several_photos_counts_once(client, settings, alice, doctor):
    enrol(alice, "obama_1.jpg", "obama_2.jpg", "obama_3.jpg")
    scores = [similarity("obama_4.jpg", name) for name in ("obama_1.jpg", "obama_2.jpg", "obama_3.jpg")]
    settings.FACES_MATCH_THRESHOLD = min(scores) - 1
    settings.FACES_STRONG_MATCH_THRESHOLD = max(scores) + 1

    page = identify(client, doctor, "obama_4.jpg")

    search = FaceSearch.objects.get()
    assert search.outcome == SearchOutcome.MATCH and "Several patients look alike." not in page
    candidate = search.candidates.get()
    assert candidate.patient == alice and candidate.similarity == pytest.approx(max(scores), abs=0.05)


# Several photos at enrolment --------------------------------------------------------------------------------


def test_a_professional_enrols_three_photos_kept_with_their_quality(client, alice, doctor):
    client.force_login(doctor)
    url = reverse("faces:enrol_patient", args=[alice.public_id])
    form = client.get(url).content.decode()
    assert form.count('type="file"') == 3 and 'capture="environment"' in form

    response = client.post(
        url,
        {
            "consent": "on",
            "photo": upload("obama_1.jpg"),
            "photo_2": upload("obama_2.jpg"),
            "photo_3": upload("obama_3.jpg"),
        },
    )

    assert response.status_code == 302
    templates = FaceTemplate.objects.filter(patient=alice).order_by("id")
    assert templates.count() == 3
    engine = services.engine()
    expected = [
        engine.enrol(photo(name), external_id="x").quality for name in ("obama_1.jpg", "obama_2.jpg", "obama_3.jpg")
    ]
    assert [template.quality for template in templates] == expected
    assert AccessEvent.objects.filter(patient=alice, object_type="face_template", action="create").count() == 3


def test_one_refused_photo_among_three_says_which_and_keeps_none(client, alice, doctor):
    client.force_login(doctor)
    url = reverse("faces:enrol_patient", args=[alice.public_id])

    response = client.post(
        url, {"consent": "on", "photo": upload("obama_1.jpg"), "photo_2": landscape(), "photo_3": upload("obama_3.jpg")}
    )

    page = response.content.decode()
    assert response.status_code == 200
    second = page.split('name="photo_2"', 1)[1].split('name="photo_3"', 1)[0]
    first = page.split('name="photo"', 1)[1].split('name="photo_2"', 1)[0]
    assert "No face" in second and 'role="alert"' in second
    assert 'role="alert"' not in first
    assert not FaceTemplate.objects.exists()


def test_the_api_enrols_several_photos_and_names_the_refused_one(api_client, alice):
    api_client.force_authenticate(alice)
    api_client.post(reverse("api:face-consent", args=[alice.public_id]))
    url = reverse("api:faces", args=[alice.public_id])

    refused = api_client.post(url, {"image": [upload("obama_1.jpg"), landscape()]}, format="multipart")
    enrolled = api_client.post(url, {"image": [upload("obama_1.jpg"), upload("obama_3.jpg")]}, format="multipart")

    assert refused.status_code == 400
    assert refused.json()["code"] == "no_face" and refused.json()["detail"].startswith("Photo 2: ")
    assert enrolled.status_code == 201
    assert [face["id"] for face in enrolled.json()] == [
        str(public_id) for public_id in FaceTemplate.objects.order_by("id").values_list("public_id", flat=True)
    ]
    assert all(isinstance(face["quality"], dict) for face in enrolled.json())


@pytest.fixture
def api_client():
    return APIClient()

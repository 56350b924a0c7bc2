"""The face identification API as the professional mobile app uses it, with the local model run for real
on the test photos of public figures (about a third of a second per photo)."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import Grant
from accounts.models import User
from accounts.services import professionals_verify
from audit.models import AccessEvent
from faces.models import MAX_TEMPLATES_PER_PATIENT, FaceConsent, FaceSearch, FaceTemplate
from faces.tasks import erase_face_templates
from notifications.models import Notification
from relyfe.undo import UNDO_WINDOW
from sharing import services as sharing
from tests.files import TEST_DATA

pytestmark = pytest.mark.django_db

FACES = TEST_DATA / "faces"


def photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FACES / name).read_bytes())


@pytest.fixture(autouse=True)
def english(settings, bands):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api():
    """A client of the API signed in as whoever the test names: api(alice)."""

    def signed_in(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return signed_in


@pytest.fixture
def no_engine(monkeypatch):
    """Fails the test if the face model is run at all."""

    def refuse():
        raise AssertionError("the face engine must not be used here")

    monkeypatch.setattr("faces.services.engine", refuse)


@pytest.fixture
def enrolled_alice(api, alice):
    """Alice consented in her account and enrolled a photo of her face (obama_1)."""
    client = api(alice)
    assert client.post(reverse("api:face-consent", args=[alice.public_id])).status_code == 201
    enrolled = client.post(
        reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")}, format="multipart"
    )
    assert enrolled.status_code == 201, enrolled.json()
    return alice


def verified(professional, staff):
    professionals_verify(actor=staff, profiles=[professional.professional_profile])
    professional.refresh_from_db()
    return professional


def identify(client: APIClient, name: str):
    return client.post(reverse("api:face-identify"), {"image": photo(name)}, format="multipart")


# Consent and enrolment --------------------------------------------------------------------------------------


def test_the_patient_consents_and_enrols_their_face(api, alice):
    client = api(alice)
    url = reverse("api:face-consent", args=[alice.public_id])

    before = client.get(url)
    consented = client.post(url)
    enrolled = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})
    after = client.get(url)

    assert before.status_code == 200
    assert before.json() == {"consent": None, "enrolled_faces": 0, "templates": []}
    assert consented.status_code == 201
    consent = consented.json()["consent"]
    assert consent["method"] == "self" and consent["recorded_by"] == alice.full_name
    assert consent["confirm_with"] == "birth_date"
    assert consent["text_version"] and consent["given_at"]
    assert enrolled.status_code == 201
    template = FaceTemplate.objects.get()
    [face] = enrolled.json()
    assert set(face) == {"id", "enrolled_at", "quality"} and face["id"] == str(template.public_id)
    assert after.json()["enrolled_faces"] == 1
    assert after.json()["templates"] == [
        {"id": str(template.public_id), "enrolled_at": face["enrolled_at"], "enrolled_by": alice.full_name}
    ]


def test_a_professional_of_the_team_records_consent_and_enrols_and_the_patient_is_told(api, alice, doctor):
    client = api(doctor)

    consented = client.post(reverse("api:face-consent", args=[alice.public_id]))
    enrolled = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})

    assert consented.status_code == 201
    assert consented.json()["consent"]["method"] == "recorded"
    assert consented.json()["consent"]["recorded_by"] == doctor.full_name
    assert enrolled.status_code == 201
    assert Notification.objects.filter(recipient=alice, event="face_enrolled").exists()


def test_enrolment_without_consent_is_refused_before_the_photo_is_even_read(api, alice, doctor, no_engine):
    response = api(doctor).post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})

    assert response.status_code == 403
    assert response.json()["detail"] == "The patient has not consented to face identification."
    assert FaceTemplate.objects.count() == 0


def test_a_photo_the_model_cannot_use_is_refused_with_its_reason(api, alice):
    client = api(alice)
    client.post(reverse("api:face-consent", args=[alice.public_id]))

    not_a_photo = client.post(
        reverse("api:faces", args=[alice.public_id]), {"image": SimpleUploadedFile("x.jpg", b"not an image")}
    )
    two_faces = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("group_obama_and_biden.jpg")})

    assert not_a_photo.status_code == 400 and not_a_photo.json()["code"] == "not_an_image"
    assert two_faces.status_code == 400 and two_faces.json()["code"] == "several_faces"
    assert two_faces.json()["detail"]
    assert FaceTemplate.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused_before_the_model_runs(api, alice, settings, no_engine):
    settings.FACES_MAX_UPLOAD_BYTES = 50_000
    client = api(alice)
    client.post(reverse("api:face-consent", args=[alice.public_id]))

    response = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})

    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert FaceTemplate.objects.count() == 0


def test_enrolment_stops_at_the_maximum_of_photos(api, alice, no_engine):
    client = api(alice)
    client.post(reverse("api:face-consent", args=[alice.public_id]))
    consent = FaceConsent.objects.get()
    for number in range(MAX_TEMPLATES_PER_PATIENT):
        FaceTemplate.objects.create(
            patient=alice, consent=consent, backend="local", face_id=f"face-{number}", enrolled_by=alice
        )

    response = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_templates"
    assert "withdraw" in response.json()["detail"]
    assert FaceTemplate.objects.count() == MAX_TEMPLATES_PER_PATIENT


def test_the_patient_withdraws_and_every_enrolled_face_is_deleted(api, enrolled_alice, doctor):
    alice = enrolled_alice

    withdrawn = api(alice).delete(reverse("api:face-consent", args=[alice.public_id]))
    search = identify(api(doctor), "obama_2.jpg")

    assert withdrawn.status_code == 200
    assert withdrawn.json() == {"consent": None, "enrolled_faces": 0, "templates": []}
    assert FaceConsent.objects.get(patient=alice).withdrawn_at is not None
    assert search.status_code == 200 and search.json()["candidates"] == []
    FaceConsent.objects.update(withdrawn_at=timezone.now() - UNDO_WINDOW * 2)
    erase_face_templates(FaceConsent.objects.get(patient=alice).pk)  # the task queued by the withdrawal
    assert FaceTemplate.objects.count() == 0


def test_the_patient_chooses_how_a_professional_confirms_it_is_them(api, enrolled_alice, doctor):
    alice = enrolled_alice
    url = reverse("api:face-consent", args=[alice.public_id])

    by_doctor = api(doctor).patch(url, {"confirm_with": "birth_date"})
    without_phone = api(alice).patch(url, {"confirm_with": "phone_digits"})
    alice.phone = "+33612345678"
    alice.save()
    with_phone = api(alice).patch(url, {"confirm_with": "phone_digits"})

    assert by_doctor.status_code == 403
    assert without_phone.status_code == 400 and without_phone.json()["code"] == "factor_unavailable"
    assert with_phone.status_code == 200 and with_phone.json()["consent"]["confirm_with"] == "phone_digits"
    assert FaceConsent.objects.get(patient=alice).confirm_with == "phone_digits"


def test_only_the_patient_withdraws_consent(api, enrolled_alice, doctor, dave):
    url = reverse("api:face-consent", args=[enrolled_alice.public_id])

    assert api(doctor).delete(url).status_code == 403
    assert api(dave).delete(url).status_code == 404
    assert FaceTemplate.objects.count() == 1
    assert FaceConsent.objects.active().count() == 1


def test_nobody_outside_the_team_reads_or_changes_the_consent(api, alice, charlie, dave, staff, no_engine):
    url = reverse("api:face-consent", args=[alice.public_id])
    verified(charlie, staff)

    for outsider in (charlie, dave):
        client = api(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        enrolment = client.post(reverse("api:faces", args=[alice.public_id]), {"image": photo("obama_1.jpg")})
        assert enrolment.status_code == 404
    assert APIClient().get(url).status_code == 401
    assert not FaceConsent.objects.exists()


# Identification ---------------------------------------------------------------------------------------------


def test_a_professional_of_the_team_identifies_the_patient_from_another_photo(api, enrolled_alice, doctor):
    alice = enrolled_alice

    response = identify(api(doctor), "obama_2.jpg")

    assert response.status_code == 200
    body = response.json()
    search = FaceSearch.objects.get()
    assert body["search_id"] == str(search.public_id)
    assert body["threshold"] == settings.FACES_MATCH_THRESHOLD
    assert body["outcome"] == "match"
    [candidate] = body["candidates"]
    assert candidate["rank"] == 1 and candidate["band"] == "strong"
    assert candidate["similarity"] >= settings.FACES_STRONG_MATCH_THRESHOLD
    assert candidate["confirmation_needed"] is False
    assert candidate["patient_id"] == str(alice.public_id)
    assert candidate["name"] == alice.full_name
    assert candidate["has_access"] is True
    assert candidate["record_url"] == f"http://testserver/api/v1/patients/{alice.public_id}/records/"
    assert candidate["emergency_url"] is None
    assert search.searcher == doctor and search.outcome == "match"
    assert AccessEvent.objects.filter(
        patient=alice,
        actor=doctor,
        action="identify",
        access_path="identification",
        object_type="face_search",
        object_id=search.public_id,
    ).exists()


def test_a_professional_without_access_learns_nothing_until_the_birth_date_confirms_the_match(
    api, enrolled_alice, charlie, staff
):
    alice = enrolled_alice
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    client = api(verified(charlie, staff))

    search = identify(client, "obama_3.jpg").json()
    [anonymous] = search["candidates"]
    confirmed = client.post(
        reverse("api:face-candidate-confirm", args=[search["search_id"], 1]),
        {"answer": alice.patient_profile.birth_date.isoformat()},
    )

    assert anonymous["band"] == "strong" and anonymous["confirmation_needed"] is True
    assert anonymous["confirm_with"] == "birth_date" and anonymous["confirmation_locked"] is False
    assert anonymous["patient_id"] is None and anonymous["name"] is None and anonymous["has_access"] is False
    assert anonymous["record_url"] is None and anonymous["emergency_url"] is None
    assert confirmed.status_code == 200, confirmed.json()
    named = confirmed.json()
    assert named["confirmation_needed"] is False
    assert named["name"] == alice.full_name and named["patient_id"] == str(alice.public_id)
    assert named["record_url"] is None and named["has_access"] is False
    assert named["emergency_url"] == f"/e/{sharing.emergency_token_of(profile)}/"
    assert AccessEvent.objects.filter(patient=alice, actor=charlie, action="identify").count() == 1
    confirmations = AccessEvent.objects.filter(patient=alice, actor=charlie, action="view", object_type="face_search")
    assert confirmations.count() == 1


def test_someone_else_matches_nobody_and_the_search_is_still_logged(api, enrolled_alice, doctor):
    response = identify(api(doctor), "biden_1.jpg")

    assert response.status_code == 200
    assert response.json()["candidates"] == []
    assert FaceSearch.objects.get().outcome == "no_match"
    assert not AccessEvent.objects.filter(action="identify").exists()


def test_a_group_photo_is_refused_and_the_attempt_logged(api, doctor):
    response = identify(api(doctor), "group_obama_and_biden.jpg")

    assert response.status_code == 400
    assert response.json()["code"] == "several_faces" and response.json()["detail"]
    search = FaceSearch.objects.get()
    assert search.outcome == "unusable_photo" and search.problem == "several_faces"


def test_only_verified_professionals_identify(api, alice, charlie, no_engine):
    for user in (charlie, alice):
        response = identify(api(user), "obama_2.jpg")
        assert response.status_code == 403
        assert "verified" in response.json()["detail"]
    assert identify(APIClient(), "obama_2.jpg").status_code == 401
    assert not FaceSearch.objects.exists()


# Quick account ----------------------------------------------------------------------------------------------


def quick_account(client: APIClient, **fields):
    values = {
        "first_name": "Kit",
        "last_name": "Harington",
        "approximate_birth_year": 1986,
        "language": "en",
        "email": "Kit@Example.org",
        "consent_recorded": "true",
        "image": photo("kit_harington_1.jpeg"),
        **fields,
    }
    return client.post(reverse("api:face-quick-patient"), values, format="multipart")


def test_a_professional_creates_the_account_of_a_patient_nobody_identified(api, doctor):
    client = api(doctor)

    created = quick_account(client)
    found = identify(client, "kit_harington_2.jpeg")

    assert created.status_code == 201, created.json()
    body = created.json()
    patient = User.objects.get(public_id=body["patient_id"])
    assert patient.claim_pending is True and patient.email == "kit@example.org"
    assert patient.patient_profile.approximate_birth_year == 1986
    assert body["claim_code"] and body["claim_url"].endswith(reverse("accounts:claim"))
    assert body["claim_code"] in mail.outbox[0].body
    assert Grant.objects.active().filter(patient=patient, professional=doctor, permission="contribute").exists()
    assert FaceTemplate.objects.get().patient == patient
    [candidate] = found.json()["candidates"]
    assert candidate["patient_id"] == str(patient.public_id) and candidate["has_access"] is True
    assert candidate["name"] == "Kit Harington"


def test_a_quick_account_needs_the_recorded_consent(api, doctor, no_engine):
    response = quick_account(api(doctor), consent_recorded="false")

    assert response.status_code == 403
    assert response.json()["detail"] == "Record the patient's consent before enrolling their face."
    assert not User.objects.filter(last_name="Harington").exists()
    assert FaceTemplate.objects.count() == 0


def test_a_quick_account_shows_field_errors_before_the_model_runs(api, alice, doctor, no_engine):
    taken = quick_account(api(doctor), email=alice.email)
    malformed = quick_account(api(doctor), email="not-an-address", phone="12", language="de")
    too_old = quick_account(api(doctor), approximate_birth_year=1700)

    assert taken.status_code == 400 and "email" in taken.json()["fields"]
    assert malformed.status_code == 400 and {"email", "phone", "language"} <= set(malformed.json()["fields"])
    assert too_old.status_code == 400 and "approximate_birth_year" in too_old.json()["fields"]
    assert not User.objects.filter(last_name="Harington").exists()


def test_an_unverified_professional_cannot_create_quick_accounts(api, charlie, no_engine):
    assert quick_account(api(charlie)).status_code == 403
    assert not User.objects.filter(last_name="Harington").exists()


# The schema -------------------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_face_api(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    paths = schema["paths"]
    assert {"get", "post", "delete"} <= set(paths["/api/v1/patients/{patient_id}/face-consent/"])
    for path in ("/api/v1/patients/{patient_id}/faces/", "/api/v1/faces/identify/", "/api/v1/faces/patients/"):
        assert "multipart/form-data" in paths[path]["post"]["requestBody"]["content"], path
    candidate = schema["components"]["schemas"]["FaceCandidate"]["properties"]
    assert candidate["name"].get("nullable") is True
    assert candidate["patient_id"].get("nullable") is True
    assert {"band", "confirmation_needed", "confirm_with", "confirmation_locked"} <= set(candidate)
    assert "outcome" in schema["components"]["schemas"]["FaceSearchResult"]["properties"]
    confirm = paths["/api/v1/faces/searches/{search_id}/candidates/{rank}/confirm/"]["post"]
    assert {"200", "400", "403", "404", "429"} <= set(confirm["responses"])
    assert "patch" in paths["/api/v1/patients/{patient_id}/face-consent/"]

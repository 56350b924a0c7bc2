import pytest
from django.urls import reverse

from accounts.models import PatientProfile, ProfessionalProfile, User
from tests.factories import PatientFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def patient_form(**overrides):
    data = {
        "first_name": "Élise",
        "last_name": "Moreau",
        "email": "",
        "phone": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "time_zone": "Europe/Paris",
        "language": "fr",
        "birth_date": "1990-05-17",
        "sex": "female",
    }
    return {**data, **overrides}


def professional_form(**overrides):
    data = {
        **patient_form(),
        "profession": "nurse",
        "specialty": "",
        "rpps": "10003456786",
        "practice_address": "3 rue de la République",
        "city": "Lyon",
        "practice_phone": "04 78 00 00 00",
    }
    return {**data, **overrides}


def test_a_patient_signs_up_with_an_email_and_lands_on_the_patient_home(client):
    response = client.post(reverse("accounts:sign_up_patient"), patient_form(email="Elise@Example.org"), follow=True)

    user = User.objects.get(email="elise@example.org")
    assert user.is_patient
    assert PatientProfile.objects.get(user=user).birth_date.isoformat() == "1990-05-17"
    assert response.context["user"] == user
    assert "Mes dossiers de santé" in response.content.decode()


def test_a_patient_signs_up_with_a_french_phone_in_national_form(client):
    client.post(reverse("accounts:sign_up_patient"), patient_form(phone="06 12 34 56 78"))

    user = User.objects.get(phone="+33612345678")
    assert user.email is None


def test_sign_up_refuses_an_account_with_neither_email_nor_phone(client):
    response = client.post(reverse("accounts:sign_up_patient"), patient_form())

    assert response.status_code == 200
    assert "no_identifier" in [error.code for error in response.context["form"].non_field_errors().as_data()]
    assert not User.objects.exists()


def test_sign_up_refuses_an_email_already_used_whatever_its_case(client):
    PatientFactory(email="elise@example.org")

    response = client.post(reverse("accounts:sign_up_patient"), patient_form(email="ELISE@example.org"))

    assert response.context["form"].errors["email"] == ["Un compte utilise déjà cette adresse e-mail."]
    assert User.objects.count() == 1


def test_sign_up_refuses_a_phone_already_used_in_another_form(client):
    PatientFactory(email=None, phone="+33612345678")

    response = client.post(reverse("accounts:sign_up_patient"), patient_form(phone="06.12.34.56.78"))

    assert response.context["form"].has_error("phone", "duplicate")
    assert User.objects.count() == 1


def test_sign_up_refuses_a_phone_that_is_not_a_mobile(client):
    response = client.post(reverse("accounts:sign_up_patient"), patient_form(phone="01 42 00 00 00"))

    assert "phone" in response.context["form"].errors
    assert not User.objects.exists()


def test_sign_up_refuses_mismatched_and_weak_passwords(client):
    mismatched = client.post(reverse("accounts:sign_up_patient"), patient_form(email="a@example.org", password2="x"))
    weak = client.post(
        reverse("accounts:sign_up_patient"), patient_form(email="a@example.org", password1="123", password2="123")
    )

    assert mismatched.context["form"].has_error("password2", "password_mismatch")
    assert weak.context["form"].has_error("password1", "password_too_short")
    assert not User.objects.exists()


def test_a_professional_signs_up_with_an_rpps_number(client):
    response = client.post(reverse("accounts:sign_up_professional"), professional_form(email="nurse@example.org"))

    assert response.status_code == 302
    profile = ProfessionalProfile.objects.get(user__email="nurse@example.org")
    assert profile.rpps == "10003456786"
    assert profile.practice_phone == "+33478000000"
    assert profile.verified is False


@pytest.mark.parametrize("rpps", ["1000345678", "100034567860", "1000345678A"])
def test_professional_sign_up_refuses_an_rpps_of_another_shape(client, rpps):
    response = client.post(
        reverse("accounts:sign_up_professional"), professional_form(email="p@example.org", rpps=rpps)
    )

    assert "rpps" in response.context["form"].errors
    assert not User.objects.exists()


def test_professional_sign_up_accepts_an_rpps_failing_its_luhn_key(client):
    client.post(reverse("accounts:sign_up_professional"), professional_form(email="p@example.org", rpps="10003456788"))

    profile = ProfessionalProfile.objects.get(user__email="p@example.org")
    assert profile.rpps_checksum_is_valid is False


def test_professional_sign_up_refuses_an_rpps_already_registered(client):
    ProfessionalFactory(professional_profile__rpps="10003456786")

    response = client.post(reverse("accounts:sign_up_professional"), professional_form(email="p@example.org"))

    assert response.context["form"].has_error("rpps", "duplicate")


def test_the_database_refuses_a_user_without_any_identifier():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(role="patient", first_name="No", last_name="Identifier")])

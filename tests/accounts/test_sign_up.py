import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from accounts.models import PatientProfile, PendingSignUp, ProfessionalProfile, User
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


def sign_up(client, url, data):
    """Fills the sign-up form; the messages it sends leave at once."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse(url), data, follow=True)


def link_in(text):
    return re.search(r"https?://\S+/signup/confirm/\S+/", text).group(0)


def confirm(client, link, follow=True):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(urlsplit(link).path, follow=follow)


def test_a_patient_signs_up_with_an_email_and_lands_on_the_patient_home(client):
    sent = sign_up(client, "accounts:sign_up_patient", patient_form(email="Elise@Example.org"))

    assert "Consultez vos e-mails" in sent.content.decode()
    assert not User.objects.exists()
    assert mail.outbox[0].to == ["elise@example.org"]
    response = confirm(client, link_in(mail.outbox[0].body))

    user = User.objects.get(email="elise@example.org")
    assert user.is_patient
    assert PatientProfile.objects.get(user=user).birth_date.isoformat() == "1990-05-17"
    assert response.context["user"] == user
    assert "Mes dossiers de santé" in response.content.decode()
    client.logout()
    assert client.login(username="elise@example.org", password=NEW_PASSWORD)


def test_a_patient_signs_up_with_a_french_phone_in_national_form(client, sms_outbox):
    sent = sign_up(client, "accounts:sign_up_patient", patient_form(phone="06 12 34 56 78"))

    assert "Consultez votre téléphone" in sent.content.decode()
    assert [message.to for message in sms_outbox] == ["+33612345678"]
    confirm(client, link_in(sms_outbox[0].body))

    user = User.objects.get(phone="+33612345678")
    assert user.email is None
    assert user.phone_is_verified  # the link came to this phone


def test_the_link_only_shows_a_button_and_works_once(client):
    sign_up(client, "accounts:sign_up_patient", patient_form(email="elise@example.org"))
    link = urlsplit(link_in(mail.outbox[0].body)).path

    shown = client.get(link)
    assert shown.status_code == 200 and not User.objects.exists()  # mail scanners open links too
    confirm(client, link)
    client.logout()
    again = confirm(client, link)

    assert again.status_code == 404
    assert "Ce lien ne fonctionne pas" in again.content.decode()
    assert User.objects.count() == 1
    assert client.get(reverse("accounts:sign_up_confirm", args=["made-up"])).status_code == 404


def test_sign_up_refuses_an_account_with_neither_email_nor_phone(client):
    response = client.post(reverse("accounts:sign_up_patient"), patient_form())

    assert response.status_code == 200
    assert "no_identifier" in [error.code for error in response.context["form"].non_field_errors().as_data()]
    assert not User.objects.exists()


def test_signing_up_with_an_email_that_has_an_account_looks_the_same_and_tells_its_owner(client):
    """The enumeration: an attacker compares the answers for an address with an account and for a new one."""
    owner = PatientFactory(email="elise@example.org", language="en")
    new = sign_up(Client(), "accounts:sign_up_patient", patient_form(email="new@example.org"))
    mail.outbox.clear()

    taken = sign_up(client, "accounts:sign_up_patient", patient_form(email="ELISE@example.org"))

    assert page_text(taken) == page_text(new)
    assert User.objects.count() == 1
    assert not PendingSignUp.objects.filter(email="elise@example.org").exists()
    [notice] = mail.outbox
    assert notice.to == [owner.email]
    assert notice.subject == "Someone tried to create a ReLyfe account with your address"
    assert "/accounts/password/reset/" in notice.body and "/signup/confirm/" not in notice.body


def test_signing_up_with_a_phone_that_has_an_account_looks_the_same_and_texts_its_owner(client, sms_outbox):
    PatientFactory(email=None, phone="+33612345678")
    new = sign_up(Client(), "accounts:sign_up_patient", patient_form(phone="07 81 23 45 67"))
    sms_outbox.clear()

    taken = sign_up(client, "accounts:sign_up_patient", patient_form(phone="06.12.34.56.78"))

    assert page_text(taken) == page_text(new)
    assert User.objects.count() == 1
    assert [message.to for message in sms_outbox] == ["+33612345678"]
    assert "quelqu’un a essayé de créer un compte avec ce numéro" in sms_outbox[0].body


def test_the_owners_notices_are_limited_per_hour(client, settings):
    settings.SIGN_UP_NOTICES_PER_ACCOUNT = 2
    PatientFactory(email="elise@example.org")

    for _attempt in range(5):
        sign_up(client, "accounts:sign_up_patient", patient_form(email="elise@example.org"))

    assert len(mail.outbox) == 2


def test_sign_ups_from_one_address_are_limited_per_hour(client, settings):
    settings.SIGN_UPS_PER_ADDRESS = 3
    answers = [
        sign_up(client, "accounts:sign_up_patient", patient_form(email=f"p{number}@example.org")).status_code
        for number in range(4)
    ]

    assert answers == [200, 200, 200, 429]
    assert len(mail.outbox) == 3


def page_text(response):
    """What the visitor reads: the page without its per-request tokens (CSRF, CSP nonce)."""
    return re.sub(r'(value|nonce|csrf-token)="[^"]*"', "", response.content.decode())


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
    sign_up(client, "accounts:sign_up_professional", professional_form(email="nurse@example.org"))
    confirm(client, link_in(mail.outbox[0].body))

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
    sign_up(client, "accounts:sign_up_professional", professional_form(email="p@example.org", rpps="10003456788"))
    confirm(client, link_in(mail.outbox[0].body))

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

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.templatetags.phone_tags import unbroken
from tests.accounts.test_sign_up import patient_form
from tests.factories import PASSWORD, PatientFactory
from tests.sms import PHONE, another_code, texted_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

BANNER = "Confirmez votre numéro de téléphone"


@pytest.fixture
def signed_in(client, phone_only):
    client.force_login(phone_only)
    return client


@pytest.fixture
def send_code(signed_in, django_capture_on_commit_callbacks):
    """Presses "Send me a code" (the banner's button, or the confirmation page's)."""

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return signed_in.post(reverse("accounts:phone_verify_send"), follow=True)

    return send


def confirm(client, code: str):
    return client.post(reverse("accounts:phone_verify"), {"code": code}, follow=True)


def sign_up_and_confirm(client, django_capture_on_commit_callbacks, **fields):
    """Signs up, then opens the link e-mailed to finish."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign_up_patient"), patient_form(**fields))
    link = re.search(r"/accounts/signup/confirm/\S+/", mail.outbox[-1].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(link, follow=True)


def test_signing_up_with_an_email_and_a_phone_texts_a_code_that_confirms_it(
    client, django_capture_on_commit_callbacks, sms_outbox
):
    response = sign_up_and_confirm(
        client, django_capture_on_commit_callbacks, email="elise@example.org", phone="06 12 34 56 78"
    )

    assert response.redirect_chain[-1][0] == reverse("accounts:phone_verify")
    page = response.content.decode()
    assert f"Nous avons envoyé un SMS avec un code à 6 chiffres au {unbroken('06 12 34 56 78')}" in page
    assert [message.to for message in sms_outbox] == [PHONE]
    assert "confirmer votre numéro de téléphone" in sms_outbox[0].body

    response = confirm(client, texted_code(sms_outbox[0]))

    page = response.content.decode()
    assert "Votre numéro de téléphone est confirmé." in page
    assert BANNER not in page
    assert response.context["user"].phone_is_verified


def test_signing_up_with_an_email_only_sends_no_text_message(client, django_capture_on_commit_callbacks, sms_outbox):
    response = sign_up_and_confirm(client, django_capture_on_commit_callbacks, email="elise@example.org")

    assert response.redirect_chain[-1][0] == reverse("home")
    assert BANNER not in response.content.decode()
    assert sms_outbox == []


def test_an_account_whose_phone_predates_confirmation_still_signs_in_and_is_asked_to_confirm(phone_only):
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": "06 12 34 56 78", "password": PASSWORD}, follow=True)

    assert response.context["user"] == phone_only
    assert BANNER in response.content.decode()


def test_the_banner_sends_a_code_and_leads_to_the_confirmation_page(signed_in, send_code, sms_outbox):
    assert BANNER in signed_in.get(reverse("home")).content.decode()

    response = send_code()

    assert response.redirect_chain[-1][0] == reverse("accounts:phone_verify")
    assert f"Un code est en route vers le {unbroken('06 12 34 56 78')}." in response.content.decode()
    assert [message.to for message in sms_outbox] == [PHONE]
    assert confirm(signed_in, texted_code(sms_outbox[0])).context["user"].phone_is_verified


def test_the_confirmation_page_without_a_code_on_its_way_offers_to_send_one(signed_in, sms_outbox):
    page = signed_in.get(reverse("accounts:phone_verify")).content.decode()

    assert "M’envoyer un code" in page
    assert 'name="code"' not in page
    assert sms_outbox == []


def test_sending_codes_stops_at_the_hourly_limit(signed_in, send_code, sms_outbox, settings):
    for _press in range(settings.PHONE_CODES_PER_NUMBER):
        send_code()

    response = send_code()

    assert len(sms_outbox) == settings.PHONE_CODES_PER_NUMBER
    assert "Trop de codes ont été demandés" in response.content.decode()


def test_a_wrong_code_does_not_confirm_the_phone(signed_in, send_code, sms_outbox, phone_only):
    send_code()
    wrong = another_code(texted_code(sms_outbox[0]))

    response = confirm(signed_in, wrong)

    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.phone_verified_at is None


def test_an_expired_code_does_not_confirm_the_phone(signed_in, send_code, sms_outbox, phone_only):
    send_code()

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        confirm(signed_in, texted_code(sms_outbox[0]))

    phone_only.refresh_from_db()
    assert phone_only.phone_verified_at is None


def test_too_many_wrong_codes_kill_the_confirmation_code(signed_in, send_code, sms_outbox, phone_only, settings):
    send_code()
    code = texted_code(sms_outbox[0])
    wrong = another_code(code)
    for _attempt in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        confirm(signed_in, wrong)

    confirm(signed_in, code)

    phone_only.refresh_from_db()
    assert phone_only.phone_verified_at is None


def test_a_code_sent_to_the_old_number_does_not_confirm_a_new_one(signed_in, send_code, sms_outbox, phone_only):
    send_code()
    services.user_update_profile(
        actor=phone_only, user=phone_only, user_fields={"phone": "+33756123456"}, profile_fields={}
    )

    confirm(signed_in, texted_code(sms_outbox[0]))

    phone_only.refresh_from_db()
    assert phone_only.phone_verified_at is None


def test_changing_the_phone_number_asks_to_confirm_the_new_one(db):
    user = PatientFactory(phone=PHONE, phone_verified_at=timezone.now())

    services.user_update_profile(actor=user, user=user, user_fields={"phone": "+33756123456"}, profile_fields={})

    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_keeping_the_phone_number_keeps_it_confirmed(db):
    user = PatientFactory(phone=PHONE, phone_verified_at=timezone.now())

    services.user_update_profile(actor=user, user=user, user_fields={"first_name": "Paula"}, profile_fields={})

    user.refresh_from_db()
    assert user.phone_is_verified


def test_a_confirmed_phone_shows_no_banner_and_no_confirmation_page(client, sms_outbox):
    user = PatientFactory(phone=PHONE, phone_verified_at=timezone.now())
    client.force_login(user)

    assert BANNER not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("accounts:phone_verify")).url == reverse("home")
    client.post(reverse("accounts:phone_verify_send"))
    assert sms_outbox == []


def test_an_account_without_a_phone_shows_no_banner(client, alice):
    client.force_login(alice)

    assert BANNER not in client.get(reverse("home")).content.decode()

import time

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import SecondFactorChange, SecondFactorEvent, SmsDevice
from accounts.two_factor import flow, services
from tests.factories import PASSWORD, PatientFactory, ProfessionalFactory
from tests.sms import PHONE, texted_code
from tests.two_factor import authenticator_for, code_of, wrong_code

pytestmark = pytest.mark.django_db


def log_in(client, identifier, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": identifier, "password": password, **extra})


def second_step(client, code, **extra):
    return client.post(reverse("accounts:second_step"), {"code": code, **extra})


def signed_in_user(client):
    return client.get(reverse("accounts:profile")).wsgi_request.user


def test_the_right_password_of_an_account_with_a_second_factor_only_asks_for_the_code(client, alice):
    authenticator_for(alice)

    response = log_in(client, alice.email)

    assert response.url == reverse("accounts:second_step")
    assert not signed_in_user(client).is_authenticated
    page = client.get(reverse("accounts:second_step"))
    assert (
        "Saisissez le code à 6 chiffres que votre application d’authentification affiche maintenant"
        in page.content.decode()
    )


def test_the_authenticator_code_signs_in_and_goes_to_next(client, alice):
    device = authenticator_for(alice)
    client.post(
        reverse("accounts:login"), {"username": alice.email, "password": PASSWORD, "next": "/accounts/directory/"}
    )

    response = second_step(client, code_of(device))

    assert response.url == "/accounts/directory/"
    user = signed_in_user(client)
    assert user == alice and user.is_verified()


def test_a_wrong_code_does_not_sign_in(client, alice):
    device = authenticator_for(alice)
    log_in(client, alice.email)

    response = second_step(client, wrong_code(device))

    assert response.status_code == 200
    assert "Ce code est faux ou a déjà été utilisé" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_wrong_codes_lock_the_second_step_like_wrong_passwords(client, alice, settings):
    device = authenticator_for(alice)
    log_in(client, alice.email)
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        second_step(client, wrong_code(device))

    response = second_step(client, code_of(device))

    assert "Trop de codes faux pour ce compte" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_the_second_step_waits_five_minutes_at_most(client, alice, monkeypatch):
    device = authenticator_for(alice)
    log_in(client, alice.email)
    later = time.time() + flow.PENDING_SECONDS + 1
    monkeypatch.setattr(flow.time, "time", lambda: later)

    response = second_step(client, code_of(device))

    assert response.url == reverse("accounts:login")
    assert not signed_in_user(client).is_authenticated


def test_a_recovery_code_signs_in_once(client, alice):
    device = authenticator_for(alice)
    recovery = services.recovery_codes_regenerate(user=alice, address=None)
    log_in(client, alice.email)

    assert second_step(client, f"{recovery[0][:4]}-{recovery[0][4:]}".upper()).status_code == 302
    client.logout()
    log_in(client, alice.email)
    assert second_step(client, recovery[0]).status_code == 200
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    assert device.pk


def test_a_patient_can_receive_the_code_by_text_message(
    client, sms_outbox, tasks_run_at_once, django_capture_on_commit_callbacks
):
    paul = PatientFactory(email=None, phone=PHONE, phone_verified_at="2026-01-01T00:00:00Z")
    services.sms_device_enable(user=paul, address=None)
    log_in(client, "06 12 34 56 78")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:second_step"), {"send_sms": "1"})
    response = second_step(client, texted_code(sms_outbox[-1]))

    assert response.status_code == 302
    assert signed_in_user(client) == paul


def test_text_message_codes_are_refused_to_professionals(bob):
    bob.phone, bob.phone_verified_at = PHONE, "2026-01-01T00:00:00Z"
    bob.save()

    with pytest.raises(Exception, match="pas assez sûrs"):
        services.sms_device_enable(user=bob, address=None)
    assert not SmsDevice.objects.filter(user=bob).exists()


def test_a_text_message_device_never_accepts_codes_once_its_owner_is_a_professional(bob):
    device = SmsDevice.objects.create(user=bob, phone=PHONE, confirmed=True)

    assert device.verify_token("123456") is False


def test_a_professional_without_a_second_factor_must_set_one_up_after_the_password(client, bob):
    log_in(client, bob.email)

    response = client.get(reverse("home"))

    assert response.url.startswith(reverse("accounts:security"))
    page = client.get(response.url).content.decode()
    assert "Votre compte professionnel doit être protégé par une double authentification" in page


def test_a_professional_sets_up_an_authenticator_and_gets_ten_recovery_codes(client, bob):
    log_in(client, bob.email)
    client.get(reverse("accounts:authenticator_enrol"))
    device = services.totp_device_unconfirmed(user=bob)

    response = client.post(reverse("accounts:authenticator_enrol"), {"code": code_of(device)})

    assert len(response.context["codes"]) == 10
    assert client.get(reverse("home")).status_code == 200
    event = SecondFactorEvent.objects.get(user=bob)
    assert event.change == SecondFactorChange.AUTHENTICATOR_ADDED


def test_a_professional_signed_in_without_the_second_step_is_sent_to_it(client, bob):
    device = authenticator_for(bob)
    log_in(client, bob.email)

    assert not signed_in_user(client).is_authenticated  # not signed in yet
    second_step(client, code_of(device))
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_refuses_staff_without_the_second_factor(client, staff):
    log_in(client, staff.email)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "/admin/" not in response.url or response.url.startswith(reverse("accounts:login"))
    assert client.get(reverse("admin:login")).url.startswith(reverse("accounts:login"))


def test_removing_the_authenticator_asks_for_the_password_and_a_code(
    client, alice, tasks_run_at_once, django_capture_on_commit_callbacks
):
    device = authenticator_for(alice)
    log_in(client, alice.email)
    second_step(client, code_of(device))
    url = reverse("accounts:factor_remove", args=["authenticator"])

    refused = client.post(url, {"password": "wrong", "code": code_of(device)})
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(url, {"password": PASSWORD, "code": code_of(device)})

    assert "Le mot de passe est faux" in refused.content.decode()
    assert removed.url == reverse("accounts:security")
    assert not alice.totpdevice_set.exists()
    assert "le second facteur de votre compte a changé" in mail.outbox[-1].subject


def test_a_patient_without_a_second_factor_is_encouraged_until_they_dismiss(client, alice):
    client.force_login(alice)
    assert "Protégez votre compte avec un second facteur" in client.get(reverse("home")).content.decode()

    client.post(reverse("accounts:second_factor_banner_dismiss"))

    assert "Protégez votre compte avec un second facteur" not in client.get(reverse("home")).content.decode()


def test_a_professional_is_not_asked_for_a_code_twice_in_a_forced_login(client):
    carol = ProfessionalFactory(email="carol@example.org")
    client.force_login(carol)

    assert client.get(reverse("home")).status_code == 200

"""Deleting one's account: the confirmation, the grace period and its cancellation, the erasure at its end."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Passkey
from erasure import services
from erasure.models import AccountDeletion
from health_records.models import HealthRecord
from tests.factories import PASSWORD, HealthRecordFactory, api_token_for

pytestmark = pytest.mark.usefixtures("tasks_run_at_once")


def ask_deletion(client, user, **extra):
    client.force_login(user)
    return client.post("/me/delete/", {"password": PASSWORD, "understood": "on", **extra})


def sign_in(client, identifier="alice@example.org"):
    return client.post("/accounts/login/", {"username": identifier, "password": PASSWORD}, follow=True)


def test_the_page_says_what_is_erased_and_offers_the_export_first(client, alice):
    client.force_login(alice)

    page = client.get("/me/delete/").content.decode()

    assert 'href="/me/export/"' in page
    assert "30 jours" in page


def test_a_wrong_password_deletes_nothing(client, alice):
    response = ask_deletion(client, alice, password="wrong")

    assert response.status_code == 400
    assert not AccountDeletion.objects.exists()


def test_an_account_with_a_second_factor_also_needs_a_code(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="Téléphone", confirmed=True)

    assert ask_deletion(client, alice, code="000000").status_code == 400
    assert not AccountDeletion.objects.exists()

    # A minute later: past django-otp's delay after a wrong code.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        assert ask_deletion(client, alice, code=f"{code:06d}").status_code == 302
    assert AccountDeletion.objects.pending().filter(user=alice).exists()


def test_wrong_codes_lock_the_deletion_like_the_second_step(client, alice, settings):
    device = TOTPDevice.objects.create(user=alice, name="Téléphone", confirmed=True)
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 1):
        ask_deletion(client, alice, code="000000")
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)

    page = ask_deletion(client, alice, code=f"{code:06d}").content.decode()

    assert "Trop de codes faux pour ce compte" in page
    assert not AccountDeletion.objects.exists()


def test_an_account_whose_only_second_factor_is_a_passkey_needs_no_code(client, alice):
    """The passkey was passed to sign in to the session that asks: there is no code to type."""
    Passkey.objects.create(user=alice, name="Téléphone", credential_id=b"alice", public_key=b"key", aaguid="0" * 36)

    assert 'name="code"' not in (client.force_login(alice) or client.get("/me/delete/")).content.decode()
    assert ask_deletion(client, alice).status_code == 302
    assert AccountDeletion.objects.pending().filter(user=alice).exists()


def test_asking_signs_out_everywhere_and_sends_an_email(client, alice, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "fr"
    token = api_token_for(alice)
    other_browser = type(client)()
    other_browser.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask_deletion(client, alice)

    assert response.status_code == 302
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exclude(
        session_key=client.session.session_key
    ).exists() or all(session.get_decoded().get("_auth_user_id") != str(alice.pk) for session in Session.objects.all())
    assert other_browser.get("/records/").status_code == 302  # to the sign-in page
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code in (401, 403)
    assert not ApiToken.objects.live().filter(user=alice).exists()
    # (The second browser's sign-in also told her of a new device.)
    deletion_notices = [message for message in mail.outbox if "va être supprimé" in message.subject]
    assert [message.to for message in deletion_notices] == [["alice@example.org"]]


def test_signing_in_during_the_grace_period_only_offers_to_cancel(client, alice):
    ask_deletion(client, alice)
    client.logout()

    page = sign_in(client)

    assert page.redirect_chain[-1][0] == "/me/delete/pending/"
    text = page.content.decode()
    assert "Votre compte sera supprimé le" in text and "Annuler la suppression" in text
    assert client.get("/records/").url == "/me/delete/pending/"
    app = type(client)()
    refused = app.post("/api/v1/auth/token/", {"identifier": "alice@example.org", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["code"] == "account_deletion_pending"
    assert not ApiToken.objects.live().filter(user=alice).exists()


def test_cancelling_within_the_grace_period_keeps_everything(client, alice, django_capture_on_commit_callbacks):
    record = HealthRecordFactory(patient=alice)
    ask_deletion(client, alice)
    client.logout()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=29)):
        sign_in(client)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/me/delete/cancel/").status_code == 302
        assert client.get("/records/").get("Location") != "/me/delete/pending/"

    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        services.account_deletions_tick()

    assert HealthRecord.objects.filter(pk=record.pk).exists()
    assert AccountDeletion.objects.get().cancelled_at is not None
    assert "annulée" in mail.outbox[-1].subject


def test_the_beat_reminds_a_week_before_and_erases_at_day_30(client, alice, django_capture_on_commit_callbacks):
    record = HealthRecordFactory(patient=alice)
    ask_deletion(client, alice)
    asked_at = timezone.now()
    mail.outbox.clear()

    reminder_day = time_machine.travel(asked_at + datetime.timedelta(days=23, hours=1))
    with reminder_day, django_capture_on_commit_callbacks(execute=True):
        services.account_deletions_tick()
        services.account_deletions_tick()
    assert len(mail.outbox) == 1 and "une semaine" in mail.outbox[0].subject
    assert HealthRecord.objects.filter(pk=record.pk).exists()

    day_30 = time_machine.travel(asked_at + datetime.timedelta(days=30, minutes=1))
    with day_30, django_capture_on_commit_callbacks(execute=True):
        services.account_deletions_tick()

    assert not HealthRecord.objects.filter(pk=record.pk).exists()
    assert AccountDeletion.objects.get().erased_at is not None
    assert mail.outbox[-1].to == ["alice@example.org"]


def test_only_patients_delete_their_account_here(client, bob):
    client.force_login(bob)

    assert client.get("/me/delete/").status_code == 404


def test_someone_signed_out_is_sent_to_sign_in(client):
    assert "/accounts/login/" in client.get("/me/delete/").url


def test_nobody_cancels_another_ones_deletion(client, alice, dave):
    ask_deletion(client, alice)
    client.force_login(dave)

    assert client.post("/me/delete/cancel/").status_code == 404
    assert AccountDeletion.objects.get().is_pending

from datetime import timedelta

import boto3
import pytest
import time_machine
from botocore.stub import Stubber
from celery.signals import task_prerun
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import phone_services
from accounts.models import PhoneCode
from accounts.phone_views import RESET_PHONE_SESSION_KEY
from accounts.tasks import send_phone_code
from accounts.templatetags.phone_tags import unbroken
from notifications.sms import SmsUnavailable
from notifications.sms.backends import sns
from tests.factories import PASSWORD, PatientFactory
from tests.sms import PHONE, another_code, texted_code

NEW_PASSWORD = "un-nouveau-mot-de-passe-solide"

pytestmark = pytest.mark.usefixtures("tasks_run_at_once")


@pytest.fixture
def ask_code(client, django_capture_on_commit_callbacks):
    """Types a number (or an address) on the reset page and lets the queued tasks run."""

    def ask(typed: str = "06 12 34 56 78", *, client=client):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:password_reset"), {"email": typed})

    return ask


@pytest.fixture
def send_code(client, django_capture_on_commit_callbacks):
    """Types a code and a new password on the second page."""

    def send(code: str, password: str = NEW_PASSWORD):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("accounts:password_reset_phone"),
                {"code": code, "new_password1": password, "new_password2": password},
            )

    return send


def test_a_phone_only_account_chooses_a_new_password_with_a_texted_code(phone_only, ask_code, send_code, sms_outbox):
    response = ask_code("06 12 34 56 78")

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_phone")
    assert [message.to for message in sms_outbox] == [PHONE]
    assert "nouveau mot de passe" in sms_outbox[0].body

    response = send_code(texted_code(sms_outbox[0]))

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    assert authenticate(username="06 12 34 56 78", password=NEW_PASSWORD) == phone_only
    assert authenticate(username="06 12 34 56 78", password=PASSWORD) is None


def test_the_user_is_told_by_text_message_that_the_password_changed(phone_only, ask_code, send_code, sms_outbox):
    ask_code()
    send_code(texted_code(sms_outbox[0]))

    assert len(sms_outbox) == 2
    assert sms_outbox[1].to == PHONE
    assert "mot de passe a été changé" in sms_outbox[1].body


def test_the_code_page_shows_the_number_and_asks_for_the_code_and_a_password(phone_only, client, ask_code):
    ask_code("+33 6 12 34 56 78")

    page = client.get(reverse("accounts:password_reset_phone")).content.decode()

    # On one line: the groups are joined by no-break spaces.
    assert "06\N{NO-BREAK SPACE}12\N{NO-BREAK SPACE}34\N{NO-BREAK SPACE}56\N{NO-BREAK SPACE}78" in page
    assert 'autocomplete="one-time-code"' in page
    assert "Nouveau mot de passe" in page


def test_a_number_without_an_account_gets_the_same_pages_and_no_text_message(phone_only, ask_code, client, sms_outbox):
    known = ask_code("06 12 34 56 78", client=Client())
    unknown = ask_code("06 98 76 54 32")

    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert len(sms_outbox) == 1
    page = client.get(reverse("accounts:password_reset_phone")).content.decode()
    assert unbroken("06 98 76 54 32") in page
    assert "Saisissez le code" in page


def test_a_code_typed_for_a_number_without_an_account_is_refused_like_a_wrong_one(db, ask_code, send_code):
    ask_code("06 98 76 54 32")

    response = send_code("123456")

    assert response.status_code == 200
    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()


def test_a_wrong_code_is_refused(phone_only, ask_code, send_code, sms_outbox):
    ask_code()
    wrong = another_code(texted_code(sms_outbox[0]))

    response = send_code(wrong)

    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_an_expired_code_is_refused(phone_only, ask_code, send_code, sms_outbox):
    ask_code()

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = send_code(texted_code(sms_outbox[0]))

    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_a_code_works_once(phone_only, client, ask_code, send_code, sms_outbox):
    ask_code()
    code = texted_code(sms_outbox[0])
    send_code(code)
    # Someone who saw the code types it again on the same device.
    session = client.session
    session[RESET_PHONE_SESSION_KEY] = PHONE
    session.save()

    response = send_code(code, "encore-un-autre-mot-de-passe")

    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.check_password(NEW_PASSWORD)


def test_too_many_wrong_codes_kill_the_code(phone_only, ask_code, send_code, sms_outbox, settings):
    ask_code()
    code = texted_code(sms_outbox[0])
    wrong = another_code(code)
    for _attempt in range(settings.PHONE_CODE_MAX_ATTEMPTS):
        send_code(wrong)

    response = send_code(code)

    assert "Ce code est faux ou ne fonctionne plus" in response.content.decode()
    phone_only.refresh_from_db()
    assert phone_only.check_password(PASSWORD)


def test_only_the_last_code_asked_for_works(phone_only, ask_code, send_code, sms_outbox):
    ask_code()
    ask_code()
    first, last = texted_code(sms_outbox[0]), texted_code(sms_outbox[1])

    assert "Ce code est faux" in send_code(first).content.decode() or first == last
    assert send_code(last).url == reverse("accounts:password_reset_complete")


def test_a_password_the_validators_refuse_keeps_the_code_usable(phone_only, ask_code, send_code, sms_outbox):
    ask_code()
    code = texted_code(sms_outbox[0])

    refused = send_code(code, "12345678")

    assert "Ce mot de passe est trop court" in refused.content.decode()
    assert send_code(code).url == reverse("accounts:password_reset_complete")


def test_a_new_password_ends_the_accounts_other_sessions(phone_only, ask_code, send_code, sms_outbox):
    elsewhere = Client()
    elsewhere.force_login(phone_only)
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200

    ask_code()
    send_code(texted_code(sms_outbox[0]))

    response = elsewhere.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_a_new_password_lifts_the_lock_after_failed_sign_ins(phone_only, ask_code, send_code, sms_outbox, settings):
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        Client().post(reverse("accounts:login"), {"username": "06 12 34 56 78", "password": "a-wrong-guess"})

    ask_code()
    send_code(texted_code(sms_outbox[0]))

    response = Client().post(reverse("accounts:login"), {"username": "06 12 34 56 78", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_the_texts_to_a_number_stop_at_the_hourly_limit(phone_only, ask_code, sms_outbox, settings):
    for _request in range(settings.PHONE_CODES_PER_NUMBER):
        ask_code()

    response = ask_code()

    assert len(sms_outbox) == settings.PHONE_CODES_PER_NUMBER
    assert response.status_code == 200
    assert "Trop de codes ont été demandés" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        ask_code()
    assert len(sms_outbox) == settings.PHONE_CODES_PER_NUMBER + 1


def test_the_texts_from_one_client_address_stop_at_its_limit(db, ask_code, sms_outbox, settings):
    settings.PHONE_CODES_PER_ADDRESS = 2
    for number in ("+33611111111", "+33622222222", "+33633333333"):
        PatientFactory(email=None, phone=number)

    for typed in ("06 11 11 11 11", "06 22 22 22 22", "06 33 33 33 33"):
        ask_code(typed)

    assert [message.to for message in sms_outbox] == ["+33611111111", "+33622222222"]


def test_unknown_numbers_count_towards_the_limit_too(db, ask_code, settings):
    for _request in range(settings.PHONE_CODES_PER_NUMBER):
        ask_code("06 98 76 54 32")

    assert "Trop de codes ont été demandés" in ask_code("06 98 76 54 32").content.decode()


def test_the_task_gets_ids_only_never_the_number_nor_the_code(phone_only, ask_code, send_code, sms_outbox):
    arguments = []

    def remember(task, args, kwargs, **extra):
        arguments.append((task.name, args, kwargs))

    task_prerun.connect(remember)
    try:
        ask_code()
        code = texted_code(sms_outbox[0])
        send_code(code)
    finally:
        task_prerun.disconnect(remember)

    assert [name for name, _args, _kwargs in arguments] == [
        "accounts.tasks.phone_code_send",
        "accounts.tasks.password_changed_notify",
    ]
    for _name, args, kwargs in arguments:
        assert kwargs == {}
        assert all(isinstance(argument, int) for argument in args)
        assert PHONE not in repr(args) and code not in repr(args)


def test_the_code_is_kept_hashed(phone_only, ask_code, sms_outbox):
    ask_code()

    phone_code = PhoneCode.objects.get(user=phone_only)
    assert texted_code(sms_outbox[0]) not in phone_code.code_hash
    assert len(phone_code.code_hash) == 64


def test_the_web_request_only_queues_the_text_message_for_after_the_commit(
    phone_only, client, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})

    assert sms_outbox == []
    assert len(callbacks) == 1
    assert PhoneCode.objects.get(user=phone_only).sent_at is None


def test_a_code_the_provider_refused_is_not_kept_so_a_retry_draws_another(phone_only, client, settings, monkeypatch):
    settings.SMS_BACKEND = "notifications.sms.backends.sns.SmsBackend"
    sns_client = boto3.client(
        "sns", region_name="eu-west-3", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    monkeypatch.setattr(sns.boto3, "client", lambda service, region_name: sns_client)
    client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})
    phone_code = PhoneCode.objects.get(user=phone_only)

    with Stubber(sns_client) as stubber:
        stubber.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        with pytest.raises(SmsUnavailable):
            phone_services.phone_code_send(phone_code_id=phone_code.pk)

    phone_code.refresh_from_db()
    assert (phone_code.sent_at, phone_code.code_hash) == (None, "")


def test_a_code_the_worker_picks_up_after_its_expiry_is_not_sent(phone_only, client, sms_outbox):
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        client.post(reverse("accounts:password_reset"), {"email": "06 12 34 56 78"})

    send_phone_code(PhoneCode.objects.get(user=phone_only).pk)

    assert sms_outbox == []


def test_an_email_still_gets_the_link_by_email_and_no_text_message(alice, ask_code, sms_outbox):
    response = ask_code("alice@example.org")

    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert sms_outbox == []


def test_an_unconfirmed_phone_of_an_account_with_an_email_gets_no_code(db, ask_code, sms_outbox):
    PatientFactory(email="paula@example.org", phone=PHONE)

    response = ask_code()

    assert response.url == reverse("accounts:password_reset_phone")
    assert sms_outbox == []


def test_a_confirmed_phone_of_an_account_with_an_email_gets_a_code(db, ask_code, sms_outbox):
    PatientFactory(email="paula@example.org", phone=PHONE, phone_verified_at=timezone.now())

    ask_code()

    assert [message.to for message in sms_outbox] == [PHONE]


def test_resetting_with_a_code_confirms_the_phone(phone_only, ask_code, send_code, sms_outbox):
    ask_code()
    send_code(texted_code(sms_outbox[0]))

    phone_only.refresh_from_db()
    assert phone_only.phone_is_verified


def test_a_number_that_cannot_exist_is_refused_with_a_helpful_message(db, ask_code, sms_outbox):
    response = ask_code("06 12")

    assert response.status_code == 200
    assert "Ce numéro de téléphone n’existe pas" in response.content.decode()
    assert sms_outbox == []


def test_the_text_message_speaks_the_users_language(db, ask_code, sms_outbox):
    PatientFactory(email=None, phone=PHONE, language="en")

    ask_code()

    assert "is your code to choose a new password" in sms_outbox[0].body
    assert sms_outbox[0].segments == 1


def test_the_code_page_without_a_number_sends_back_to_the_reset_page(client):
    response = client.get(reverse("accounts:password_reset_phone"))

    assert response.url == reverse("accounts:password_reset")

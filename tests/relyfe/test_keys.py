"""Key rotation: printed Heart-Codes, printer secrets and claim codes outlive a new key and a new SECRET_KEY,
and die with the key that made them."""

import base64
import hashlib
import hmac
import io
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from access.models import Permission, Scope
from accounts import services as accounts
from printing.services import printer_authenticate, printer_ensure
from relyfe import keys
from sharing import services as sharing
from sharing import tokens
from sharing.models import AccessRequest
from tests.factories import HealthRecordFactory

pytestmark = pytest.mark.django_db

KEY_A = "key-a-" + "a" * 40
KEY_B = "key-b-" + "b" * 40
ONE_DAY = timedelta(days=1)


def print_a_heart_code(patient) -> str:
    """The URL on alice's printed card."""
    profile = sharing.emergency_profile_ensure(patient=patient)
    sharing.emergency_profile_update(
        actor=patient, profile=profile, fields={"enabled": True, "blood_group": "O-"}, visible_sections=["blood_group"]
    )
    return reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])


def opens(client, url) -> bool:
    response = client.get(url)
    return response.status_code == 200 and "O-" in response.content.decode()


def test_a_card_printed_under_a_key_opens_after_a_new_key_and_a_new_secret_key(client, alice, settings):
    settings.RELYFE_KEYS = [KEY_A]
    card = print_a_heart_code(alice)

    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    assert opens(client, card)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert opens(client, card)
    # The patient's page shows the code that is printed, not a new one.
    profile = sharing.emergency_profile_ensure(patient=alice)
    assert reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)]) == card


def test_a_card_printed_under_a_removed_key_no_longer_opens_and_the_page_shows_a_new_code(client, alice, settings):
    settings.RELYFE_KEYS = [KEY_A]
    card = print_a_heart_code(alice)

    settings.RELYFE_KEYS = [KEY_B]

    assert client.get(card).status_code == 404
    profile = sharing.emergency_profile_ensure(patient=alice)
    new_card = reverse("sharing:emergency_page", args=[sharing.emergency_token_of(profile)])
    assert new_card != card
    assert opens(client, new_card)


def test_new_codes_are_made_with_the_newest_key(alice, dave, settings):
    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    nonce = sharing.emergency_profile_ensure(patient=dave).token_nonce

    token = sharing.emergency_token_of(sharing.emergency_profile_ensure(patient=dave))

    settings.RELYFE_KEYS = [KEY_B]
    assert tokens.derived_token_is_valid(tokens.HEARTCODE, nonce, token)
    settings.RELYFE_KEYS = [KEY_A]
    assert not tokens.derived_token_is_valid(tokens.HEARTCODE, nonce, token)


def test_without_relyfe_keys_tokens_are_those_made_before_it_existed(settings):
    """Deploying RELYFE_KEYS breaks no card printed before: SECRET_KEY makes the same tokens as it did."""
    settings.RELYFE_KEYS = []
    nonce = tokens.new_nonce()
    before = hmac.new(settings.SECRET_KEY.encode(), f"relyfe-heartcode:{nonce}".encode(), hashlib.sha256).digest()

    assert tokens.emergency_token(nonce) == base64.urlsafe_b64encode(before).rstrip(b"=").decode()


def test_a_card_printed_before_relyfe_keys_opens_after_it_is_set_and_after_secret_key_rotation(client, alice, settings):
    settings.RELYFE_KEYS = []
    old_secret_key = settings.SECRET_KEY
    card = print_a_heart_code(alice)

    settings.RELYFE_KEYS = [KEY_B]
    assert opens(client, card)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "y" * 40, [old_secret_key]
    assert opens(client, card)
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(card).status_code == 404


def test_secret_key_stops_verifying_when_relyfe_keys_include_secret_key_is_off(client, alice, settings):
    settings.RELYFE_KEYS = []
    card = print_a_heart_code(alice)

    settings.RELYFE_KEYS, settings.RELYFE_KEYS_INCLUDE_SECRET_KEY = [KEY_B], False

    assert client.get(card).status_code == 404


def test_a_printer_secret_outlives_a_new_key_and_moves_to_it(bob, settings):
    settings.RELYFE_KEYS = [KEY_A]
    printer, secret = printer_ensure(owner=bob)

    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    assert printer_authenticate(slug=printer.slug, secret=secret) == printer
    assert printer_authenticate(slug=printer.slug, secret="wrong") is None
    # Used once under the new key, it is kept under it: removing the old key no longer stops this printer.
    settings.RELYFE_KEYS = [KEY_B]
    assert printer_authenticate(slug=printer.slug, secret=secret) == printer


def test_a_printer_secret_dies_with_its_key(bob, settings):
    settings.RELYFE_KEYS = [KEY_A]
    printer, secret = printer_ensure(owner=bob)

    settings.RELYFE_KEYS = [KEY_B]

    assert printer_authenticate(slug=printer.slug, secret=secret) is None


def make_claim_code(bob) -> str:
    _patient, code = accounts.patient_create_for_claim(
        created_by=bob,
        public_id=uuid.uuid4(),
        first_name="Léa",
        last_name="Martin",
        approximate_birth_year=1990,
        language="fr",
    )
    return code


def test_a_claim_code_works_after_a_new_key_and_not_after_its_key_is_removed(bob, settings):
    settings.RELYFE_KEYS = [KEY_A]
    code = make_claim_code(bob)

    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    settings.SECRET_KEY = "a-new-secret-key-" + "z" * 40
    assert accounts.account_claim_find(code.lower()) is not None
    settings.RELYFE_KEYS = [KEY_B]
    assert accounts.account_claim_find(code) is None


def test_each_purpose_has_its_own_key_and_keys_have_public_ids(settings):
    settings.RELYFE_KEYS = [KEY_A]
    key = keys.newest()

    assert key.digest("claim-code", "ABCD") != key.digest("printer-secret", "ABCD")
    assert key.id == keys.key_id(KEY_A) and KEY_A not in key.id and len(key.id) == 8


def test_a_short_key_is_refused(settings):
    settings.RELYFE_KEYS = ["too-short"]

    with pytest.raises(ImproperlyConfigured):
        keys.newest()


def test_heartcode_keys_counts_the_codes_each_key_made_before_one_is_removed(alice, dave, settings):
    settings.RELYFE_KEYS = [KEY_A]
    print_a_heart_code(alice)
    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    print_a_heart_code(dave)
    out = io.StringIO()

    call_command("heartcode_keys", stdout=out)

    assert out.getvalue().splitlines() == [f"{keys.key_id(KEY_B)}\t1", f"{keys.key_id(KEY_A)}\t1"] + [
        f"{key.id}\t0" for key in keys.verifying()[2:]
    ]
    assert KEY_A not in out.getvalue()


def test_a_visitors_status_page_and_link_outlive_a_new_key_and_stop_with_theirs(client, alice, settings):
    settings.RELYFE_KEYS = [KEY_A]
    HealthRecordFactory(patient=alice, title="Bilan sanguin")
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(actor=alice, profile=profile, fields={"enabled": True}, visible_sections=[])
    access_request = sharing.access_request_create(
        profile=profile,
        requester=None,
        fields={"name": "Nora Martin", "role": "other", "reason": "Sa fille", "contact_email": "nora@example.org"},
    )
    sharing.access_request_approve(
        actor=alice, access_request=access_request, scope=Scope.ALL, permission=Permission.READ, duration=ONE_DAY
    )
    status_path = sharing.access_request_status_path(access_request)
    link_path = sharing.access_request_link_url(AccessRequest.objects.get()).removeprefix(settings.SITE_URL)

    settings.RELYFE_KEYS = [KEY_B, KEY_A]
    assert client.get(status_path).status_code == 200
    assert client.get(link_path).url == reverse("sharing:link_start")
    assert sharing.access_request_status_path(access_request) == status_path

    settings.RELYFE_KEYS = [KEY_B]
    assert client.get(status_path).status_code == 404
    assert client.get(link_path).status_code in {404, 410}
    assert sharing.access_request_link_url(AccessRequest.objects.get()) == ""

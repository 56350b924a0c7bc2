import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApiToken, SecondFactorChange, SecondFactorEvent
from tests.factories import PASSWORD
from tests.two_factor import authenticator_for, code_of, wrong_code

pytestmark = pytest.mark.django_db


def obtain(client, user):
    return client.post(reverse("api:token"), {"identifier": user.email, "password": PASSWORD, "device": "Pixel"})


def exchange(client, challenge, code):
    return client.post(reverse("api:token-second-factor"), {"challenge": challenge, "code": code})


def test_the_token_of_an_account_with_a_second_factor_needs_its_code(client, alice):
    device = authenticator_for(alice)

    asked = obtain(client, alice)
    given = exchange(client, asked.json()["challenge"], code_of(device))

    assert asked.status_code == 401
    assert asked.json()["code"] == "second_factor_required"
    assert asked.json()["methods"] == ["totp"]
    assert given.status_code == 200
    assert ApiToken.objects.get(user=alice).device_name == "Pixel"


def test_a_challenge_gives_one_token_only(client, alice):
    device = authenticator_for(alice)
    challenge = obtain(client, alice).json()["challenge"]
    exchange(client, challenge, code_of(device))

    again = exchange(client, challenge, code_of(device))

    assert again.status_code == 401
    assert again.json()["code"] == "invalid_challenge"


def test_a_wrong_code_gives_no_token(client, alice):
    device = authenticator_for(alice)
    challenge = obtain(client, alice).json()["challenge"]

    response = exchange(client, challenge, wrong_code(device))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"
    assert not ApiToken.objects.filter(user=alice).exists()


def test_a_forged_challenge_is_refused(client, alice):
    response = exchange(client, "alice:forged", "123456")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_challenge"


def test_a_professional_without_a_second_factor_must_set_it_up_on_the_website(client, bob):
    response = obtain(client, bob)

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_enrolment_required"


def test_staff_reset_a_professionals_second_factor_with_a_reason(
    client, bob, staff, tasks_run_at_once, django_capture_on_commit_callbacks
):
    authenticator_for(bob)
    client.force_login(staff)
    url = reverse("admin:accounts_user_second_factor_reset", args=[bob.pk])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and not SecondFactorEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Lost phone; identity checked by video call."})

    event = SecondFactorEvent.objects.get(user=bob)
    assert (event.change, event.actor, event.reason) == (
        SecondFactorChange.RESET_BY_STAFF,
        staff,
        "Lost phone; identity checked by video call.",
    )
    assert not bob.totpdevice_set.exists()
    assert mail.outbox[-1].to == [bob.email]
    assert "a supprimé le second facteur" in mail.outbox[-1].body
    assert obtain(client, bob).json()["code"] == "second_factor_enrolment_required"


def test_second_factor_events_are_append_only(bob):
    event = SecondFactorEvent.objects.create(user=bob, actor=bob, change=SecondFactorChange.AUTHENTICATOR_ADDED)

    with pytest.raises(TypeError):
        SecondFactorEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(TypeError):
        event.delete()

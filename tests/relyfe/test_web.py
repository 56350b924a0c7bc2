"""Every `next` stays on this site: relyfe.web.safe_next, and each endpoint that takes one."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, MedicationFactory, TreatmentFactory

pytestmark = pytest.mark.django_db

ATTACKS = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example/",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "https:///evil.example",
    " //evil.example",
]


def answer_a_dose(client, alice, next_url):
    treatment = TreatmentFactory(patient=alice, start_date=timezone.localdate())
    medication = MedicationFactory(treatment=treatment, morning=True)
    client.force_login(alice)
    return client.post(
        reverse("treatments:intake_answer"),
        {
            "medication": medication.public_id,
            "local_date": timezone.localdate().isoformat(),
            "moment": "morning",
            "answer": "taken",
            "next": next_url,
        },
    )


def sign_in(client, alice, next_url):
    return client.post(
        reverse("accounts:login") + "?next=x",
        {"username": "alice@example.org", "password": PASSWORD, "next": next_url},
    )


def change_language(client, alice, next_url):
    return client.post(reverse("set_language"), {"language": "en", "next": next_url})


# Each endpoint that takes a `next`, and where it goes when the `next` is refused.
ENDPOINTS = {
    "dose answer": (answer_a_dose, lambda: reverse("treatments:mine")),
    "sign-in": (sign_in, lambda: reverse("home")),
    "language": (change_language, lambda: "/"),
}


@pytest.mark.parametrize("next_url", ATTACKS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_next_to_another_site_is_ignored(client, alice, endpoint, next_url):
    act, fallback = ENDPOINTS[endpoint]

    response = act(client, alice, next_url)

    assert response.status_code == 302
    assert response.url == fallback()
    assert "evil" not in response.url and "javascript" not in response.url


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_next_on_this_site_is_followed(client, alice, endpoint):
    act, _fallback = ENDPOINTS[endpoint]
    target = reverse("treatments:patient", args=[alice.public_id]) + "?tab=today"

    response = act(client, alice, target)

    assert response.status_code == 302
    assert response.url == target


def test_the_sign_in_form_carries_only_a_safe_next(client):
    page = client.get(reverse("accounts:login") + "?next=https://evil.example/").content.decode()
    safe = client.get(reverse("accounts:login") + "?next=/sharing/links/").content.decode()

    assert '<input type="hidden" name="next" value="">' in page
    assert 'name="next" value="/sharing/links/"' in safe

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_a_mobile_app_gets_a_token_with_an_email_or_a_phone(api, alice):
    alice.phone = "+33612345678"
    alice.save()

    by_email = api.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})
    by_phone = api.post(reverse("api:token"), {"identifier": "06 12 34 56 78", "password": PASSWORD})

    assert by_email.status_code == by_phone.status_code == 200
    # Each sign-in is a device of its own, with its own token.
    assert by_email.json()["token"] != by_phone.json()["token"]
    for answer in (by_email, by_phone):
        api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
        assert api.get(reverse("api:me")).json()["public_id"] == str(alice.public_id)


def test_the_token_endpoint_refuses_wrong_passwords_then_locks(api, alice):
    for _attempt in range(5):
        refused = api.post(reverse("api:token"), {"identifier": "alice@example.org", "password": "x"})
        assert refused.status_code in (400, 429)

    locked = api.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD})

    assert locked.status_code == 429


def test_me_is_refused_without_credentials(api):
    assert api.get(reverse("api:me")).status_code in (401, 403)


def test_me_updates_names_and_language_but_not_the_role(api, alice):
    api.force_authenticate(alice)

    response = api.patch(reverse("api:me"), {"first_name": "Alicia", "role": "staff", "language": "en"}, format="json")

    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.first_name, alice.role, alice.language) == ("Alicia", "patient", "en")


def test_me_refuses_an_unknown_time_zone(api, alice):
    api.force_authenticate(alice)

    response = api.patch(reverse("api:me"), {"time_zone": "Mars/Olympus"}, format="json")

    assert response.status_code == 400
    assert "time_zone" in response.json()["fields"]


def test_the_api_schema_and_its_documentation_are_served_without_a_cdn(client):
    schema = client.get(reverse("api-schema"))
    docs = client.get(reverse("api-docs")).content.decode()

    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    assert "https://" not in docs.replace("https://swagger.io", "")

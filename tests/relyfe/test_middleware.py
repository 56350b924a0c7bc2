"""No cache keeps a signed-in page or an API answer: `Cache-Control: no-store, private` on each of them."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, HealthRecordFactory

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def signed_in_pages(alice, record) -> list[str]:
    return [
        reverse("home"),
        reverse("accounts:profile"),
        reverse("health_records:timeline", kwargs={"patient_id": alice.public_id}),
        reverse("health_records:detail", kwargs={"record_id": record.public_id}),
        reverse("treatments:patient", args=[alice.public_id]),
        reverse("sharing:links"),
        reverse("sharing:emergency"),
        reverse("audit:access_log"),
        reverse("notifications:list"),
        "/api/docs/",
    ]


def test_every_page_shown_to_a_signed_in_user_is_kept_by_no_cache(client, alice):
    record = HealthRecordFactory(patient=alice, title="Bilan sanguin")
    client.force_login(alice)

    for url in signed_in_pages(alice, record):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= cache_control(response), url


def test_every_api_answer_to_a_token_is_kept_by_no_cache(client, alice):
    record = HealthRecordFactory(patient=alice, title="Bilan sanguin")
    token = client.post(reverse("api:token"), {"identifier": "alice@example.org", "password": PASSWORD}).json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")

    for url in [
        reverse("api:me"),
        reverse("api:record", args=[record.public_id]),
        reverse("api:patient-records", args=[alice.public_id]),
        reverse("api:patient-plan", args=[alice.public_id]),
        reverse("api:reminder-settings"),
    ]:
        response = api.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= cache_control(response), url


def test_api_refusals_are_not_cached_either(client):
    response = client.get(reverse("api:me"))

    assert response.status_code in {401, 403}
    assert "no-store" in cache_control(response)


def test_static_files_keep_their_cache_lifetime_for_a_signed_in_user(client, alice, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(alice)

    response = client.get("/static/css/relyfe.css")

    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert any(part.startswith("max-age=") and part != "max-age=0" for part in cache_control(response))

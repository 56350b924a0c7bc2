import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker_up(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() | {"worker_heartbeat_seconds_ago": None} == {
        "status": "ok",
        "database": "up",
        "broker": "up",
        "worker_heartbeat_seconds_ago": None,
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "up"


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("relyfe.health.connection", UnreachableDatabase())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.redis
def test_healthz_reports_the_redis_broker_up(client, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")

    assert client.get(reverse("healthz")).json()["broker"] == "up"

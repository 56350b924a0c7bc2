import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from relyfe.celery import PUBLISHED_AT_HEADER
from relyfe.celery import app as celery_app
from treatments.models import ReminderDispatch

pytestmark = pytest.mark.django_db

TOKEN = "metrics-scraper-token-4f9c2e7a1b"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *django_settings.MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]
    return settings


def samples(response) -> dict[str, float]:
    """Each sample's value by its name and labels, `name{label="value"}`."""
    values = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


def scrape(client):
    return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_the_token_opens_the_metrics_of_requests_reminders_and_the_queue(client, alice, metrics_on):
    now = timezone.now()
    ReminderDispatch.objects.create(
        patient=alice, local_date=now.date(), moment="08:00", due_at=now - timedelta(minutes=20)
    )
    ReminderDispatch.objects.create(
        patient=alice, local_date=now.date(), moment="09:00", due_at=now - timedelta(minutes=1)
    )
    ReminderDispatch.objects.create(
        patient=alice, local_date=now.date(), moment="07:00", due_at=now - timedelta(hours=3), status="late"
    )
    client.get("/healthz")

    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    values = samples(response)
    assert values['django_http_requests_total_by_method_total{method="GET"}'] >= 1
    assert values["relyfe_reminders_late"] == 1
    assert values["relyfe_reminders_due"] == 2
    assert 20 * 60 <= values["relyfe_reminders_oldest_due_seconds"] < 21 * 60
    assert values["relyfe_reminders_missed_last_day"] == 1
    assert 'relyfe_celery_queue_length{queue="celery"}' in values
    assert values['relyfe_metrics_collector_up{collector="celery_queue"}'] == 1
    assert values['relyfe_metrics_collector_up{collector="reminders"}'] == 1
    assert "alice" not in response.text and str(alice.public_id) not in response.text


def test_the_queue_length_counts_a_task_sent_and_its_age(client, metrics_on):
    before = samples(scrape(client))['relyfe_celery_queue_length{queue="celery"}']

    celery_app.send_task("relyfe.tasks.heartbeat")

    values = samples(scrape(client))
    assert values['relyfe_celery_queue_length{queue="celery"}'] == before + 1
    assert 0 <= values['relyfe_celery_oldest_task_age_seconds{queue="celery"}'] < 3600
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if "data_folder_in" in options:  # the embedded filesystem broker: one file per message
        newest = max(Path(options["data_folder_in"]).glob("*.celery.msg"), key=lambda path: path.stat().st_mtime)
        message = newest.read_bytes()
    else:  # Redis: kombu pushes on the left of the queue's list
        message = redis.Redis.from_url(django_settings.CELERY_BROKER_URL).lindex("celery", 0)
    assert PUBLISHED_AT_HEADER in json.loads(message)["headers"]


def test_a_broker_that_cannot_be_read_shows_as_a_collector_down_not_an_error(client, metrics_on):
    metrics_on.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there

    response = scrape(client)

    assert response.status_code == 200
    assert samples(response)['relyfe_metrics_collector_up{collector="celery_queue"}'] == 0


@pytest.mark.parametrize("authorization", ["", f"Bearer {TOKEN}x", f"Token {TOKEN}", f"Bearer {TOKEN[:-1]}", "Bearer "])
def test_a_wrong_token_gets_the_404_of_a_page_that_does_not_exist(client, metrics_on, authorization):
    assert client.get("/metrics", headers={"Authorization": authorization}).status_code == 404


def test_an_allowed_network_reads_the_metrics_without_a_token(client, metrics_on):
    metrics_on.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200

    metrics_on.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404


def test_behind_the_proxy_the_allowed_network_is_the_clients_not_the_proxys(client, metrics_on):
    metrics_on.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    metrics_on.TRUSTED_PROXIES = ["127.0.0.1/32"]

    from_outside = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})

    assert from_outside.status_code == 404


def test_metrics_on_without_a_token_nor_a_network_refuse_to_start(project_root, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=project_root,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "relyfe.settings",
            "VAR_DIR": str(tmp_path),
            "METRICS_ENABLED": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "METRICS_ENABLED needs METRICS_TOKEN or METRICS_ALLOWED_NETWORKS" in result.stderr


def test_on_redis_the_queue_counts_every_priority_list_and_the_oldest_message_waits_longest(
    client, metrics_on, private_redis
):
    metrics_on.CELERY_BROKER_URL = private_redis.url
    with celery_app.connection_for_write(private_redis.url) as connection:
        celery_app.send_task("relyfe.tasks.heartbeat", connection=connection)
        time.sleep(1.2)
        celery_app.send_task("relyfe.tasks.heartbeat", connection=connection)
        celery_app.send_task("relyfe.tasks.heartbeat", connection=connection, priority=5)

    values = samples(scrape(client))

    assert values['relyfe_celery_queue_length{queue="celery"}'] == 3
    assert 1.2 <= values['relyfe_celery_oldest_task_age_seconds{queue="celery"}'] < 30
    assert values['relyfe_metrics_collector_up{collector="celery_queue"}'] == 1

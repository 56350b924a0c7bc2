import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "relyfe.example.org",
}


def run_python(code: str, project_root, **environment):
    env = {key: value for key, value in os.environ.items() if key not in ("DEBUG", "SECRET_KEY")}
    env.update(environment, DJANGO_SETTINGS_MODULE="relyfe.settings")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=project_root, env=env, capture_output=True, text=True, timeout=60
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(project_root):
    result = run_python("import django; django.setup()", project_root, DEBUG="False")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_settings_turn_every_protection_on(project_root):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_HTTPONLY]))"
    )
    result = run_python(code, project_root, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, True, True, 365 * 24 * 3600, True]


def test_the_deployment_checks_pass_with_production_settings(project_root):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=project_root,
        env={**os.environ, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("home"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_sessions_expire_after_thirty_minutes_without_activity(client, alice):
    client.force_login(alice)

    response = client.get(reverse("home"))

    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == 30 * 60
    assert cookie["httponly"]


@pytest.mark.django_db
def test_pages_load_nothing_from_another_origin(client, alice):
    client.force_login(alice)

    page = client.get(reverse("home")).content.decode()

    assert 'src="http' not in page and 'href="http' not in page
    assert "<script>" not in page

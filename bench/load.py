"""Pages under load: gunicorn on PostgreSQL, driven by a bounded client.

Re-creates its own PostgreSQL database, migrates it and fills it: a patient with 1,000 records of 3 files
each, a current treatment and an emergency page that shows every section, and a professional with a grant
on the whole file. Starts gunicorn on it with explicit command-line options (no configuration file is
read) and the bench's URLconf (bench/load_urls.py: a minimal Django view next to the site). Then, page
after page, a fixed number of GET requests from a few threads; each page's requests/s and p50/p99 are
printed next to the minimal view's, measured by the same gunicorn in the same run. The ratios are the
figures to watch: the client runs on the same machine as the server and takes its share of the cores.

    .venv/bin/python bench/load.py [--database postgres://postgres@127.0.0.1:5432/relyfe_load]
        [--requests 60] [--concurrency 4] [--workers 2] [--rounds 5] [--records 1000]
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess  # nosec B404  # starts this benchmark's own gunicorn, fixed commands
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# This process fills the database and signs the sessions in; gunicorn must read them with the same key.
SECRET_KEY = "bench-load-only-" + "k" * 48  # nosec B105  # a throw-away benchmark key  # pragma: allowlist secret


def server_environment(database_url: str, var_dir: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GUNICORN")}
    environment.update(
        DJANGO_SETTINGS_MODULE="bench.load_settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="false",
        VAR_DIR=var_dir,
    )
    return environment


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Page:
    name: str
    path: str
    cookie: str = ""
    timings: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    @property
    def requests_per_second(self) -> float:
        return len(self.timings) / self.seconds

    def percentile(self, which: int) -> float:
        return statistics.quantiles(self.timings, n=100, method="inclusive")[which - 1]


def fill_database(records: int) -> list[Page]:
    """Migrates, creates the cast and returns the pages to drive, with their session cookies."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection as django_connection
    from django.test import Client
    from django.urls import reverse

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages name hashed static files
    print(f"database migrated in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    from access.models import Permission, Scope
    from accounts import services as accounts
    from accounts.two_factor.policy import STRONG_AUTH_SESSION_KEY
    from bench.timeline import make_patient
    from sharing.models import EmergencyProfile
    from sharing.services import emergency, grants
    from treatments import services as treatments

    patient, patient_records = make_patient(records)
    professional = accounts.professional_sign_up(
        email="doctor@example.org",
        phone=None,
        password="bench-password-2026",  # nosec B106  # a throw-away benchmark account  # pragma: allowlist secret
        first_name="Claire",
        last_name="Martin",
        profession="doctor",
    )
    grants.grant_give(actor=patient, professional=professional, scope=Scope.ALL, permission=Permission.COMMENT)
    treatment = treatments.treatment_create(actor=patient, patient=patient, title="Angine", start_date=date.today())
    for name in ("DOLIPRANE 1000 mg, comprimé", "AMOXICILLINE 1 g, comprimé"):
        values = {"name": name, "dose": 1, "dose_unit": "comprimé", "morning": True}
        treatments.medication_add(actor=patient, treatment=treatment, values=values)
    profile = emergency.emergency_profile_ensure(patient=patient)
    emergency.emergency_profile_update(
        actor=patient,
        profile=profile,
        fields={
            "enabled": True,
            "blood_group": "A+",
            "allergies": "Pénicilline",
            "conditions": "Asthme",
            "show_current_treatments": True,
            "emergency_contacts": "Paul Patient, 06 12 34 56 78",
            "treating_doctor": "Dr Claire Martin",
            "note": "Porte un inhalateur.",
        },
        visible_sections=EmergencyProfile.SECTIONS,
    )
    token = emergency.emergency_token_of(profile)
    # The planner's statistics, as autovacuum keeps them on a live database: right after a bulk load it has
    # none, and guesses plans a production server would not choose (a hash join over the whole file).
    with django_connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data made in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    def session_cookie(user) -> str:
        client = Client()
        client.force_login(user)
        session = client.session
        session[STRONG_AUTH_SESSION_KEY] = "bench"  # as a second factor would mark it
        session.save()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    patient_cookie, professional_cookie = session_cookie(patient), session_cookie(professional)
    timeline = reverse("health_records:timeline", args=[patient.public_id])
    record = reverse("health_records:detail", args=[patient_records[len(patient_records) // 2].public_id])
    return [
        Page("minimal Django view", "/bench/minimal/", patient_cookie),
        Page("patient: home", reverse("home"), patient_cookie),
        Page("patient: timeline", timeline, patient_cookie),
        Page("patient: record", record, patient_cookie),
        Page("professional: my patients", reverse("sharing:my_patients"), professional_cookie),
        Page("professional: timeline", timeline, professional_cookie),
        Page("professional: record", record, professional_cookie),
        Page("emergency page (anonymous)", reverse("sharing:emergency_page", args=[token])),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, page: Page) -> tuple[int, float]:
    """One request on a new connection (gunicorn's sync workers close each one): status and milliseconds."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", page.path, headers={"Cookie": page.cookie} if page.cookie else {})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - start) * 1000


def start_gunicorn(port: int, workers: int, environment: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        *(sys.executable, "-m", "gunicorn", "relyfe.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync"),
        *("--timeout", "120", "--chdir", str(ROOT), "--error-logfile", str(log)),
    ]
    # Started from a folder of its own: gunicorn reads ./gunicorn.conf.py when there is one; here only the
    # options above count.
    return subprocess.Popen(command, env=environment, cwd=log.parent)  # noqa: S603  # nosec B603  # our own command


def wait_until_up(port: int, page: Page, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; see its log")
        try:
            if get(port, page)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in 2 minutes")


def drive(port: int, page: Page, requests: int, concurrency: int) -> None:
    """`requests` GETs of `page` from `concurrency` threads; adds their timings and the phase's duration."""
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda _: get(port, page), range(requests)))
    page.seconds += time.perf_counter() - start
    for status, milliseconds in results:
        if status == 200:
            page.timings.append(milliseconds)
        else:
            page.failures += 1


def report(pages: list[Page], arguments) -> None:
    minimal = pages[0]
    print(
        f"gunicorn: {arguments.workers} sync workers; client: {arguments.concurrency} threads, "
        f"{arguments.requests} requests per page x {arguments.rounds} rounds; "
        f"{os.cpu_count()} cores shared by server and client"
    )
    print(f"{'page':30} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}   {'req/s vs minimal':>16} {'p50 vs minimal':>15}")
    for page in pages:
        print(
            f"{page.name:30} {page.requests_per_second:7.1f} {page.percentile(50):8.2f} {page.percentile(99):8.2f}   "
            f"{page.requests_per_second / minimal.requests_per_second:15.2f}x "
            f"{page.percentile(50) / minimal.percentile(50):14.2f}x"
            + (f"   {page.failures} failed" if page.failures else "")
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/relyfe_load")
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60, help="per page and round")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="pages take turns, round by round")
    arguments = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="relyfe-load-")
    environment = server_environment(arguments.database, var_dir)
    os.environ.update(environment)
    recreate_database(arguments.database)
    pages = fill_database(arguments.records)

    from django.db import connections

    connections.close_all()
    port = free_port()
    log = Path(var_dir) / "gunicorn.log"
    server = start_gunicorn(port, arguments.workers, environment, log)
    try:
        wait_until_up(port, pages[0], server)
        for page in pages:  # every worker compiles its templates and opens its connection first
            for _ in range(4 * arguments.workers):
                status, _milliseconds = get(port, page)
                if status != 200:
                    raise SystemExit(f"{page.name}: {page.path} answered {status}; see {log}")
        for _ in range(arguments.rounds):
            for page in pages:
                drive(port, page, arguments.requests, arguments.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=60)
    report(pages, arguments)


if __name__ == "__main__":
    main()

"""The printer against real IPP clients: CUPS's ipptool with its stock tests, and a CUPS queue printing a
PDF, both talking to the development server (`manage.py runserver`, which decodes their chunked bodies).

The CUPS queue is served by a private cupsd: its own configuration, spool and logs in a temporary folder
and its own port, so the machine's /etc/cups and its printers are not touched.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from printing.models import PrintJob
from printing.services import printer_ensure
from relyfe import abuse
from tests.conftest import SHARED_CACHES, database_url_of_tests, skip_or_fail
from tests.files import as_stored, pdf_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.ipp]

STOCK_TESTS = Path("/usr/share/cups/ipptool")
PRINTER_ID = "demo-bob"
SECRET = "relyfe-demo-printer"  # the demo printer's, published on purpose
CUPS_QUEUE = "relyfe-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pdf_file(path: Path) -> Path:
    path.write_bytes(pdf_bytes())
    return path


@dataclass
class DevelopmentServer:
    process: subprocess.Popen
    port: int
    log: Path
    log_start: int = 0  # where the current test's part of the log begins

    def printer_uri(self, secret: str = SECRET) -> str:
        return f"ipp://bob:{secret}@127.0.0.1:{self.port}/ipp/print/{PRINTER_ID}"

    def output(self) -> str:
        """What the server logged during the current test."""
        with self.log.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")


def wait_for_http(server: DevelopmentServer, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"runserver stopped:\n{server.output()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/ipp/print/{PRINTER_ID}", timeout=2)
        except urllib.error.HTTPError:
            return  # it answers (405: the printer only takes POST)
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"runserver did not answer within {seconds} s:\n{server.output()}")


def forget_failed_attempts() -> None:
    """The server counts wrong secrets per address in the shared cache (Redis in CI): every test starts
    with none, as the tests' own isolated cache does for the test process."""
    config = SHARED_CACHES["default"]
    counters = [
        abuse.cache_key("printer-secrets:address", "127.0.0.1"),
        abuse.cache_key("printer-secrets:printer", PRINTER_ID),
    ]
    shared = import_string(config["BACKEND"])(config["LOCATION"], {})
    shared.delete_many([f"{counter}:{part}" for counter in counters for part in ("failures", "until")])


@pytest.fixture(scope="module")
def running_dev_server(django_db_setup, tmp_path_factory):
    """`manage.py runserver` on a free port and the test database, as a developer runs it. One per module:
    it takes seconds to start, and it keeps no state of its own between tests."""
    port = free_port()
    log = tmp_path_factory.mktemp("runserver") / "runserver.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DATABASE_URL": database_url_of_tests(),
                # The printer's secret is kept as a hash keyed with SECRET_KEY: both processes need the same.
                "SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": "localhost,127.0.0.1",
                "PYTHONUNBUFFERED": "1",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = DevelopmentServer(process, port, log)
    try:
        wait_for_http(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        forget_failed_attempts()


@pytest.fixture
def dev_server(running_dev_server, transactional_db):
    """The development server, for a test whose data it can see (committed, in the test database)."""
    if running_dev_server.process.poll() is not None:
        pytest.fail(f"runserver stopped:\n{running_dev_server.output()}")
    forget_failed_attempts()
    running_dev_server.log_start = running_dev_server.log.stat().st_size
    return running_dev_server


@pytest.fixture
def printer(bob):
    printer, _secret = printer_ensure(owner=bob, slug=PRINTER_ID, secret=SECRET)
    return printer


def ipptool(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ipptool", "-tv", "-T", "30", *arguments],
        stdin=subprocess.DEVNULL,  # never a password prompt
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_passed(result: subprocess.CompletedProcess, server: DevelopmentServer) -> None:
    report = f"ipptool:\n{result.stdout}{result.stderr}\nrunserver:\n{server.output()}"
    assert result.returncode == 0, report
    assert "[PASS]" in result.stdout, report
    assert "[FAIL]" not in result.stdout, report


def document_bytes(job: PrintJob) -> bytes:
    with job.documents.get().file.open("rb") as file:
        return file.read()


# --- ipptool ----------------------------------------------------------------------------------


def test_ipptool_passes_the_stock_get_printer_attributes_test(dev_server, printer):
    result = ipptool(dev_server.printer_uri(), str(STOCK_TESTS / "get-printer-attributes.test"))

    assert_passed(result, dev_server)
    assert f"printer-uri-supported (uri) = ipp://localhost:{dev_server.port}/ipp/print/{PRINTER_ID}" in result.stdout


def test_ipptool_prints_a_pdf_with_the_stock_print_job_test(dev_server, printer, tmp_path):
    document = pdf_file(tmp_path / "ordonnance.pdf")

    result = ipptool("-f", str(document), dev_server.printer_uri(), str(STOCK_TESTS / "print-job.test"))

    assert_passed(result, dev_server)
    # ipptool sends the document chunked: all of it arrived through runserver.
    job = PrintJob.objects.in_inbox().get(printer=printer)
    assert job.documents.get().content_type == "application/pdf"
    assert document_bytes(job) == as_stored(document.read_bytes())


def test_ipptool_with_a_wrong_secret_is_refused_and_prints_nothing(dev_server, printer, tmp_path):
    document = pdf_file(tmp_path / "ordonnance.pdf")

    result = ipptool("-f", str(document), dev_server.printer_uri("wrong-secret"), str(STOCK_TESTS / "print-job.test"))

    report = f"{result.stdout}{result.stderr}\nrunserver:\n{dev_server.output()}"
    assert result.returncode != 0, report
    assert "client-error-not-authenticated" in result.stdout, report
    assert '" 401 ' in dev_server.output()
    assert '" 200 ' not in dev_server.output()
    assert not PrintJob.objects.exists()


# --- A CUPS queue -----------------------------------------------------------------------------


def cups_program(name: str) -> str | None:
    # cupsd and lpadmin live in /usr/sbin, which is not on a normal user's PATH.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


@dataclass
class CupsServer:
    process: subprocess.Popen
    root: Path
    environment: dict

    def run(self, program: str, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [cups_program(program), *arguments],
            env=self.environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def error_log(self) -> str:
        log = self.root / "log" / "error_log"
        return log.read_text(errors="replace") if log.exists() else ""


CUPSD_CONF = """\
Listen 127.0.0.1:{port}
Browsing Off
WebInterface No
LogLevel debug
MaxLogSize 0
<Policy default>
  <Limit All>
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}
StateDir {root}/state
CacheDir {root}/cache
RequestRoot {root}/spool
TempDir {root}/spool/temp
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice No
Printcap {root}/printcap
"""


@pytest.fixture
def cups_server():
    """A private cupsd: configuration, spool and logs in a temporary folder, listening on a free port."""
    missing = [name for name in ("cupsd", "lpadmin", "lp", "lpstat", "lpoptions") if cups_program(name) is None]
    if missing:
        skip_or_fail(f"needs CUPS ({', '.join(missing)}): apt-get install cups")
    # Not pytest's tmp_path: its folders are private to the user, and cupsd started as root runs the ipp
    # backend as user lp, which must read the spooled document.
    root = Path(tempfile.mkdtemp(prefix="relyfe-cups-"))
    root.chmod(0o755)
    for folder in ("spool/temp", "log", "cache", "state"):
        (root / folder).mkdir(parents=True)
    port = free_port()
    (root / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
    (root / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=root))
    with (root / "log" / "cupsd.out").open("w") as output:
        process = subprocess.Popen(
            [cups_program("cupsd"), "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # CUPS_SERVER points lpadmin, lp and lpstat at this cupsd only.
    server = CupsServer(process, root, {**os.environ, "CUPS_SERVER": f"127.0.0.1:{port}"})
    try:
        deadline = time.monotonic() + 30
        # lpstat -r exits 0 whether or not the scheduler answers: its words tell.
        while "scheduler is running" not in server.run("lpstat", "-r").stdout:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cupsd did not start:\n{(root / 'log' / 'cupsd.out').read_text()}\n{server.error_log()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def test_a_cups_queue_prints_a_pdf_into_the_inbox(dev_server, printer, cups_server, tmp_path):
    document = pdf_file(tmp_path / "ordonnance.pdf")

    # With "everywhere", cupsd asks the printer for its attributes (before any credentials: the printer
    # answers that without its secret) and writes a driverless PPD in the background: the test waits for it.
    # The document is then sent raw, as the printer accepts PDF as it is: a job cupsd would filter while it
    # is still loading the new PPD is aborted ("Unable to convert"), a race of cupsd's, not of ReLyfe's.
    added = cups_server.run("lpadmin", "-p", CUPS_QUEUE, "-E", "-v", dev_server.printer_uri(), "-m", "everywhere")
    assert added.returncode == 0, added.stderr
    loaded = cups_server.root / "cache" / f"{CUPS_QUEUE}.data"
    deadline = time.monotonic() + 30
    while not loaded.exists() or "PageSize" not in cups_server.run("lpoptions", "-p", CUPS_QUEUE, "-l").stdout:
        if time.monotonic() > deadline:
            pytest.fail(f"cupsd made no driverless PPD for the printer:\n{cups_server.error_log()[-20000:]}")
        time.sleep(0.2)
    sent = cups_server.run("lp", "-d", CUPS_QUEUE, "-o", "raw", "-t", "Ordonnance test", str(document))
    assert sent.returncode == 0, sent.stderr

    deadline = time.monotonic() + 60
    while not PrintJob.objects.in_inbox().filter(printer=printer).exists():
        if time.monotonic() > deadline:
            queue = cups_server.run("lpstat", "-W", "all", "-o", "-p", CUPS_QUEUE, "-l")
            pytest.fail(
                f"no job in the inbox after 60 s.\nlpstat:\n{queue.stdout}{queue.stderr}\n"
                f"runserver:\n{dev_server.output()}\ncupsd:\n{cups_server.error_log()[-20000:]}"
            )
        time.sleep(0.5)

    job = PrintJob.objects.in_inbox().get(printer=printer)
    assert job.name == "Ordonnance test"
    # Without a PPD the PDF arrives as sent; a queue with one would rewrite it (pdftopdf): not byte for byte.
    assert job.documents.get().content_type == "application/pdf"
    assert document_bytes(job).startswith(b"%PDF-")

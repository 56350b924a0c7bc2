"""The printer's IPP endpoint: HTTP Basic with the printer's secret, then one IPP request per POST.

IPP rides on HTTP POST with the type application/ipp; the answer is always 200 and application/ipp,
an IPP status code inside telling what happened (RFC 8010 §3.4, RFC 8011). Only authentication and
throttling answer with HTTP statuses, as clients expect.

Wrong secrets are counted per printer and per client address (relyfe.abuse): past a few, further wrong ones
wait longer and longer (429 with Retry-After). The right secret always prints: at 144 random bits it cannot be
guessed, and a computer still trying an old secret, or a neighbour behind the same address, must not stop the
professional's own computers.
"""

import base64
import binascii
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from printing.ipp.constants import Operation
from printing.ipp.server import PrinterContext, handle
from printing.models import ipp_uuid_of
from printing.services import DatabaseJobStore, printer_authenticate
from relyfe import abuse
from relyfe.abuse import client_address

IPP_CONTENT_TYPE = "application/ipp"
# What every printer tells a computer that has not sent the secret yet.
PUBLIC_NAME = "ReLyfe"
# When ReLyfe's printers came into service: printer-up-time and the jobs' time-at-* count seconds from it,
# the same in every process and before and after authentication (IPP integers last 68 years from here).
STARTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@csrf_exempt
def ipp_endpoint(request, printer_id: str, job_number: int | None = None):
    if request.method != "POST":
        response = HttpResponse(
            "This is a ReLyfe printer: add it to a computer as an IPP printer.\n",
            status=405,
            content_type="text/plain; charset=utf-8",
        )
        response["Allow"] = "POST"
        return response
    if request.content_type != IPP_CONTENT_TYPE:
        return HttpResponse("Send an IPP request (application/ipp).\n", status=415, content_type="text/plain")
    stream = _body(request)
    printer = printer_authenticate(slug=printer_id, secret=_basic_password(request))
    if printer is not None:
        context = _context(request, printer_id, accepting=printer.is_active)
        return _ipp_response(handle(stream, printer=context, store=DatabaseJobStore(printer)))
    if "HTTP_AUTHORIZATION" not in request.META:
        # Computers ask what a printer can do before they ask the user for its password (driverless
        # set-up: CUPS builds its driver from this answer). It says nothing of whose printer it is, nor
        # whether this id exists, and it has no jobs to show.
        header = stream.read(8)
        if len(header) == 8 and int.from_bytes(header[2:4], "big") == Operation.GET_PRINTER_ATTRIBUTES:
            context = _context(request, printer_id, accepting=True)
            return _ipp_response(handle(_Prefixed(header, stream), printer=context, store=NO_JOBS))
    else:
        address = client_address(request)
        wait = max(abuse.wait_seconds(_printer_lockout(), printer_id), abuse.wait_seconds(_address_lockout(), address))
        if wait:
            response = HttpResponse(
                f"Too many wrong secrets; try again in {wait} seconds.\n", status=429, content_type="text/plain"
            )
            response["Retry-After"] = str(wait)
            return response
        abuse.failure(_printer_lockout(), printer_id)
        abuse.failure(_address_lockout(), address)
    response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Basic realm="ReLyfe printer", charset="UTF-8"'
    return response


def _context(request, slug: str, *, accepting: bool) -> PrinterContext:
    return PrinterContext(
        printer_uri=f"{'ipps' if request.is_secure() else 'ipp'}://{request.get_host()}/ipp/print/{slug}",
        name=PUBLIC_NAME,
        uuid=ipp_uuid_of(slug),
        more_info_uri=request.build_absolute_uri(reverse("printing:printer")),
        started_at=STARTED_AT,
        info=PUBLIC_NAME,
        accepting=accepting,
        max_document_bytes=settings.UPLOAD_MAX_BYTES,
    )


def _ipp_response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type=IPP_CONTENT_TYPE)


def _lockout(scope: str, free: int) -> abuse.Lockout:
    longest = int(settings.LOGIN_LOCKOUT.total_seconds())
    return abuse.Lockout(
        scope=scope,
        free=free,
        first_delay_seconds=int(settings.LOGIN_FIRST_DELAY.total_seconds()),
        longest_seconds=longest,
        memory_seconds=max(24 * 60 * 60, longest),
    )


def _printer_lockout() -> abuse.Lockout:
    return _lockout("printer-secrets:printer", settings.PRINTER_FAILURES_PER_PRINTER)


def _address_lockout() -> abuse.Lockout:
    return _lockout("printer-secrets:address", settings.PRINTER_FAILURES_PER_ADDRESS)


def _basic_password(request) -> str:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _body(request):
    """The request body as a stream. Behind gunicorn a chunked body comes without a Content-Length, which
    Django reads as empty: gunicorn has decoded it and says so with wsgi.input_terminated."""
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower() and request.META.get(
        "wsgi.input_terminated"
    ):
        return request.META["wsgi.input"]
    return request


class _Prefixed:
    """A stream whose first bytes were already read."""

    def __init__(self, prefix: bytes, stream):
        self._prefix, self._stream = prefix, stream

    def read(self, size: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.read(size)
        if size < 0 or size > len(self._prefix):
            head, self._prefix = self._prefix, b""
            return head + self._stream.read(-1 if size < 0 else size - len(head))
        head, self._prefix = self._prefix[:size], self._prefix[size:]
        return head


class _NoJobs:
    """The job store of a printer whose secret was not given: empty, and nothing can be added to it."""

    def get_job(self, job_id):
        return None

    def list_jobs(self, **options):
        return []


NO_JOBS = _NoJobs()

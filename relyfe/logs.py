"""Structured logs: one JSON object a line, each with the request id, for a log shipper (LOG_FORMAT=json).

The human format stays the default (bin/start, the journal of deploy/systemd). With LOG_FORMAT=json
(compose.yaml sets it) every line is an object `{"time", "level", "logger", "message", "request_id", …}`, and
each request ends with one line of its own (`RequestIdMiddleware`): method, path, status, duration.

What never reaches a line, whichever the format: a query string (a search for a diagnosis is health data, a
`?token=` opens it), a token in a path (relyfe.redaction), an exception's message (an IntegrityError quotes
the row's values: its type and stack are kept), and the value of an extra field whose name says it is a secret
(password, token, cookie…). Extra fields are kept only when they are plain values: an object such as the
request django.request passes would print whatever its repr holds.
"""

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

from relyfe.redaction import REDACTED, redact

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("relyfe_request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# An id the proxy made (Caddy's {http.request.uuid}) is kept when it is short and plain; anything else is
# replaced, so that a client cannot write what it likes into every line.
_ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SENSITIVE_KEY = re.compile(
    r"pass|token|secret|key|auth|cookie|session|csrf|code|otp|signature|credential|body|data|query|params",
    re.IGNORECASE,
)
# The attributes every LogRecord has: the rest are the `extra` fields a caller gave.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Extras named like a secret that are not one (django.request's status_code, this module's own).
_HARMLESS_KEYS = frozenset({"status_code", "status", "method", "path", "duration_ms"})
_PLAIN = (str, int, float, bool, type(None))

request_logger = logging.getLogger("relyfe.request")


def current_request_id() -> str:
    """The id of the request (or of the Celery task) this line is written for; "" outside both."""
    request_id = request_id_var.get()
    if request_id:
        return request_id
    try:
        from celery import current_task

        return (current_task and current_task.request.id) or ""
    except Exception:
        return ""


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id()
        return True


def _exception(exc_info) -> dict:
    error_type, _error, stack = exc_info
    frames = traceback.extract_tb(stack)
    return {
        "type": f"{error_type.__module__}.{error_type.__qualname__}" if error_type else "",
        "stack": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames],
    }


class JsonFormatter(logging.Formatter):
    """One JSON object a line. The message goes through relyfe.redaction, the extras through the rules above."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", "") or current_request_id(),
        }
        for name, value in vars(record).items():
            if name in _RECORD_ATTRIBUTES or name in entry or not isinstance(value, _PLAIN):
                continue
            if _SENSITIVE_KEY.search(name) and name not in _HARMLESS_KEYS:
                entry[name] = REDACTED
            else:
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = _exception(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it is plain, a new one otherwise), puts it in
    every line logged while the request runs and in the response's X-Request-ID, and with LOG_REQUESTS logs
    the request's line: method, path (no query string, tokens redacted), status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _ACCEPTED_REQUEST_ID.match(given) else uuid.uuid4().hex
        # Kept until the response is closed (request_finished below): Django logs a 4xx or 5xx
        # ("Not Found: …") after the middleware returned it.
        request_id_var.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if settings.LOG_REQUESTS:
            request_logger.info(
                "%s %s %s",
                request.method,
                redact(request.path),
                response.status_code,
                extra={
                    "method": request.method,
                    "path": redact(request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        return response


@receiver(request_finished)
def forget_request_id(**_signal_arguments) -> None:
    request_id_var.set("")

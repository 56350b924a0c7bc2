"""Secrets that travel in URLs are taken out of log lines before any handler writes them.

A share link (/s/<token>/), a Heart-Code (/e/<token>/), an access request's status page (/r/<token>/), a
password reset link and a reminder's signed action (?token=…) open someone's health data to whoever holds
the address: an access log that keeps them gives that power to everyone who reads the logs, and to every
place they are shipped to. The filter is installed (settings.LOGGING, deploy/gunicorn.conf.py) on the
loggers that write request lines: django.server (runserver), django.request (4xx/5xx), django.security
(CSRF failures) and gunicorn.access; the line keeps its shape, `/e/[redacted]/`.
"""

import logging
import re
from collections.abc import MutableMapping

from gunicorn import glogging

REDACTED = "[redacted]"

# Where a path starts: the start of the text, after a space or a quote (a request line, a Referer), or
# after the host of a full URL.
_PATH_START = r"(?:^|(?<=[\s\"'(])|(?<=//)[^/\s\"']+)"
_SECRET_IN_PATH = re.compile(
    rf"({_PATH_START}/(?:s|e|r)/)"
    # /s/records/ and /s/files/ are a share-link holder's pages, not tokens.
    r"(?!(?:records|files)(?:/|$|[\s?\"']))"
    r"[^/\s?#\"']+"
)
_SECRET_IN_RESET_LINK = re.compile(
    rf"({_PATH_START}/accounts/password/reset/[^/\s?#\"']+/)(?!set-password(?:/|$|[\s?\"']))[^/\s?#\"']+"
)
# The link that confirms a sign-up (accounts/signup/confirm/<token>/).
_SECRET_IN_SIGN_UP_LINK = re.compile(rf"({_PATH_START}/accounts/signup/confirm/)[^/\s?#\"']+")
# A query string, whole (gunicorn's %(q)s atom starts with the name) or in a URL.
_SECRET_IN_QUERY = re.compile(r"((?:^|[?&\s])(?:token|code|passcode|secret)=)[^&\s#\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with every secret it carries in a URL replaced by [redacted]."""
    text = _SECRET_IN_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _SECRET_IN_RESET_LINK.sub(rf"\g<1>{REDACTED}", text)
    text = _SECRET_IN_SIGN_UP_LINK.sub(rf"\g<1>{REDACTED}", text)
    return _SECRET_IN_QUERY.sub(rf"\g<1>{REDACTED}", text)


def _redact_value(value):
    return redact(value) if isinstance(value, str) else value


class RedactSecretsFilter(logging.Filter):
    """Rewrites the record in place, so that every handler (and every logger it propagates to) sees only
    the redacted line. The message's arguments are redacted one by one: they hold the request line
    (runserver), the path (django.request) or gunicorn's atoms (a mapping: %(r)s, %(U)s, %(q)s, %(f)s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, MutableMapping):
            # In place: gunicorn's mapping answers "-" for an atom it lacks, which a plain dict would not.
            for key, value in list(record.args.items()):
                record.args[key] = _redact_value(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with the filter on its access log (deploy/gunicorn.conf.py names it): the request
    line, the path, the query and the Referer of a request made from a Heart-Code page all carry a token."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(existing, RedactSecretsFilter) for existing in self.access_log.filters):
            self.access_log.addFilter(RedactSecretsFilter())

"""Site-wide helpers for views and messages: the foundation layer, importing no feature app."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """The address of `path` on this site, for e-mails, text messages and QR codes (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def is_htmx(request) -> bool:
    """Whether htmx asks for a fragment of the page. A history restore (back button after the cache was
    emptied) asks for the whole page even though htmx sends it."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")

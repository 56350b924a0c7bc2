"""Site-wide helpers for views and messages: the foundation layer, importing no feature app."""

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def absolute_url(path: str) -> str:
    """The address of `path` on this site, for e-mails, text messages and QR codes (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def is_htmx(request) -> bool:
    """Whether htmx asks for a fragment of the page. A history restore (back button after the cache was
    emptied) asks for the whole page even though htmx sends it."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def safe_next(request, fallback: str) -> str:
    """The `next` a form or link asks to go to after the action, when it stays on this site; `fallback`
    otherwise. Every `next` goes through here: an address from a request is the attacker's choice, and
    redirecting to it would lend our name to a phishing page (//evil.example, /\\evil.example, https://…,
    javascript:…)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback

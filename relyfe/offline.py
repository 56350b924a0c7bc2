"""The pages the service worker (static/js/service-worker.js) keeps on the device for use without a network.

Every signed-in response says `Cache-Control: no-store` (relyfe/middleware.py), and the worker keeps none
of them, except a page a view marks with this header: the patient's own today's doses and emergency card,
shown to the patient themself. The header's value is the address the page is kept under (besides its own),
so that the app's start address opens it offline. The copies are wiped at sign-out (static/js/app.js)."""

import hashlib
import json

from django.templatetags.static import static
from django.urls import reverse

OFFLINE_COPY_HEADER = "ReLyfe-Offline-Copy"


def keep_offline(response, *, as_path: str):
    response[OFFLINE_COPY_HEADER] = as_path
    return response


# What every page needs, saved when the service worker is installed: with these, a saved page shows as it did.
APP_SHELL_STATIC = [
    "css/relyfe.css",
    "vendor/htmx.min.js",
    "js/relyfe.js",
    "js/app.js",
    "img/favicon.svg",
    "img/icons/icon-192.png",
    "img/icons/icon-512.png",
    "img/icons/apple-touch-icon.png",
]


def service_worker_settings() -> str:
    """The first line of the service worker: the addresses of the app shell (hashed names in production)
    and a version that changes with them, so that browsers install the new worker and drop the old copies."""
    urls = [static(path) for path in APP_SHELL_STATIC]
    offline_url = reverse("offline")
    version = hashlib.sha256("\n".join([*urls, offline_url]).encode()).hexdigest()[:12]
    settings = {"version": version, "shell": urls, "offlinePage": offline_url, "copyHeader": OFFLINE_COPY_HEADER}
    return f"self.RELYFE = {json.dumps(settings)};\n"

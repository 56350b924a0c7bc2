"""The pages the service worker (static/js/service-worker.js) keeps on the device for use without a network.

Every signed-in response says `Cache-Control: no-store` (relyfe/middleware.py), and the worker keeps none
of them, except a page a view marks with the header OFFLINE_COPY_HEADER:

- the patient's own today's doses and emergency card, shown to the patient themself: the header's value is
  the address the page is kept under (besides its own), so that the app's start address opens it offline;
- the patient's own record pages, with the value RECENTLY_VIEWED: the worker keeps them only on a device
  where the patient switched on "Keep my last viewed records on this phone" (off by default; the choice is
  kept on the device, never sent), at most the KEPT_RECORDS last viewed, and deletes them at once when the
  patient switches it off. The page holds the record's details as shown (title, date, kind, description,
  file names, comments); the files themselves are never kept. A professional's, a caregiver's or anyone
  else's view of a patient's record is never marked, so it is never kept.

Encryption at rest. The worker encrypts every page it keeps (AES-GCM, a random 96-bit IV per entry, kept
beside it) with a key it makes on first use: a non-extractable WebCrypto key, stored in the browser's
IndexedDB ("relyfe-offline"). The list of kept records (their labels encrypted the same way) and the
device's choice live there too. At sign-out (static/js/app.js) the caches and that database, key
included, are deleted: a copy left behind (a cache file the browser had not erased yet) cannot be read.
What it protects against, modestly: someone who gets the Cache Storage files alone (a backup, a copy, a
disk forensics tool reading files the browser deleted) without the same profile's IndexedDB, and anything
left after sign-out. What it does not: anyone who can use the browser profile itself while signed in —
the phone unlocked, malware, the browser, a script running on this site — can ask the same browser to
decrypt (the key cannot be exported, but it can be used); the key sits in the same profile as the copies,
so a full copy of the profile carries both; the addresses of the kept pages, the times they were saved and
their HTTP headers are not encrypted. The phone's own screen lock and disk encryption remain the real
protection."""

import hashlib
import json

from django.templatetags.static import static
from django.urls import reverse

OFFLINE_COPY_HEADER = "ReLyfe-Offline-Copy"


RECENTLY_VIEWED = "recent"
KEPT_RECORDS = 10


def keep_offline(response, *, as_path: str):
    response[OFFLINE_COPY_HEADER] = as_path
    return response


def keep_if_recently_viewed(response):
    """Only for the patient's own record, shown to the patient: kept if their device opted in."""
    response[OFFLINE_COPY_HEADER] = RECENTLY_VIEWED
    return response


# What every page needs, saved when the service worker is installed: with these, a saved page shows as it did.
APP_SHELL_STATIC = [
    "css/relyfe.css",
    "vendor/htmx.min.js",
    "js/relyfe.js",
    "js/app.js",
    "js/offline.js",
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
    settings = {
        "version": version,
        "shell": urls,
        "offlinePage": offline_url,
        "copyHeader": OFFLINE_COPY_HEADER,
        "recentlyViewed": RECENTLY_VIEWED,
        "keptRecords": KEPT_RECORDS,
    }
    return f"self.RELYFE = {json.dumps(settings)};\n"

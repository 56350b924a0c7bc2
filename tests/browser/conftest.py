import os
from contextlib import contextmanager

import pytest
from django.db import connections

from tests.conftest import chromium_path


@contextmanager
def phone_page(live_server, *, chromium_args=()):
    """A phone-sized page in the system's Chromium (`chromium_args` added to its command line), and the list
    its console errors and page errors go to."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django's ORM calls from the test are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    errors = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    *chromium_args,
                ],
            )
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.base_url = live_server.url
            try:
                yield page, errors
            finally:
                browser.close()
                # Connections opened while Playwright's loop ran belong to that context: close them there.
                connections.close_all()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def assert_no_unexpected_errors(errors, request):
    marker = request.node.get_closest_marker("answers")
    expected = [f"the server responded with a status of {status} " for status in (marker.args if marker else ())]
    assert [error for error in errors if not any(status in error for status in expected)] == []


@pytest.fixture
def site(live_server, settings):
    """The live server's address with the host name WebAuthn needs: a domain (localhost, a secure context
    without HTTPS), never an IP address; the relying party is that domain."""
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [url]
    return url


@pytest.fixture
def page(live_server, request):
    """A phone-sized page in the system's Chromium; fails the test on any console error
    (a Content-Security-Policy violation shows up there), except the HTTP statuses a test says it expects
    with `@pytest.mark.answers(400, …)` (a refused form answers 400: Chromium logs it as an error)."""
    with phone_page(live_server) as (page, errors):
        yield page
    assert_no_unexpected_errors(errors, request)

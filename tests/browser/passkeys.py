"""Passkeys in Chromium: a virtual authenticator (the DevTools protocol's WebAuthn domain) playing the phone's
screen lock, and the steps the passkey tests share. The live server at a host name WebAuthn accepts is the
`site` fixture (tests/browser/conftest.py)."""

from tests.factories import PASSWORD


def add_virtual_authenticator(page) -> None:
    """A platform authenticator that keeps discoverable credentials and verifies its user (a phone)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def log_in_with_password(page, site, identifier):
    page.goto(site + "/accounts/login/")
    page.fill("input[name=username]", identifier)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1:has-text('Bonjour')")


def add_a_passkey(page, site):
    page.goto(site + "/accounts/security/passkeys/")
    page.click("#passkey-register-button")
    # The page reloads with the new passkey in the list and the server's message.
    page.wait_for_selector("text=Votre clé d’accès « Clé d’accès du")
    page.wait_for_selector("[data-passkey]")


def sign_out(page, site):
    page.click(".nav-toggle")
    page.click("#site-nav button:has-text('Se déconnecter')")
    page.wait_for_selector("#site-nav a[href='/accounts/login/']", state="attached")

"""Signing in through the login page, as a person does: the password, then for professionals and staff the
code of their authenticator app (set up here for them when they have none, as they must)."""

from accounts.models import User
from relyfe.identifiers import canonical_identifier
from tests.factories import PASSWORD
from tests.two_factor import authenticator_for, code_of


def log_in(page, identifier, password=PASSWORD):
    kind, value = canonical_identifier(identifier)
    user = User.objects.get(**{kind: value})
    device = None
    if user.is_professional or user.is_staff:
        device = user.totpdevice_set.filter(confirmed=True).first() or authenticator_for(user)
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", identifier)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].button--primary")
    page.wait_for_selector("h1")
    if device is not None and "/accounts/login/second-step/" in page.url:
        page.fill("input[name=code]", code_of(device))
        page.click("button[type=submit].button--primary")
        page.wait_for_selector("h1")

"""Signing professionals in through an OpenID Connect provider: Pro Santé Connect (PSC), the state's sign-in for
health professionals with their e-CPS card or app, or any provider that gives the RPPS number in a claim.

The provider vouches for an RPPS number; ReLyfe signs in the existing professional account that holds it, and
only when staff verified that account: an unverified account may have been opened by someone else with that
number, and signing its real owner into it would hand them an account the impostor still has the password of.
Nothing is ever created from the provider's answer, and a patient or staff account is never signed in this way.
The whole feature is behind settings.OIDC_ENABLED (relyfe/settings.py); mozilla-django-oidc does the protocol
(state, nonce, PKCE, the RS256 signature against the provider's JWKS).
"""

import re

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.selectors import professional_by_rpps

# The session key other parts read to know the session was strongly authenticated (shared contract of issue 18),
# and its value for this provider: PSC's sign-in is itself two-factor (e-CPS), so no second factor is asked.
STRONG_AUTH_SESSION_KEY = "accounts_strong_auth"
PRO_SANTE_CONNECT = "pro_sante_connect"

# PSC's identifier of a professional (its preferred_username, "identifiant national") is the RPPS number behind a
# "8"; ADELI numbers come behind a "0" and are not RPPS numbers, so they match no account.
NATIONAL_IDENTIFIER_OF_RPPS = re.compile(r"8(\d{11})")
RPPS = re.compile(r"\d{11}")


class SignInRefused(Exception):
    """The provider vouched for someone ReLyfe will not sign in; `reason` says why, for the page they see."""

    NO_ACCOUNT = "no_account"
    NOT_VERIFIED = "not_verified"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def rpps_from_claim(value) -> str | None:
    """The RPPS number in the claim: 11 digits, or PSC's national identifier ("8" and the 11 digits)."""
    if not isinstance(value, str):
        return None
    if RPPS.fullmatch(value):
        return value
    national = NATIONAL_IDENTIFIER_OF_RPPS.fullmatch(value)
    return national.group(1) if national else None


class ProfessionalOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the callback view calls with a nonce; a password sign-in passes through untouched.
        if not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks the signature and the nonce; the token must also be meant for us, from our
        provider, and say when it expires (jwt has already refused it if that time has passed)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client.")
        if settings.OIDC_OP_ISSUER and payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("ID token from another issuer.")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without an expiry.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: the user info must be about the subject of the ID token.
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("User info about another subject than the ID token.")
        rpps = rpps_from_claim(claims.get(settings.OIDC_RPPS_CLAIM))
        user = professional_by_rpps(rpps=rpps) if rpps else None
        if user is None:
            raise SignInRefused(SignInRefused.NO_ACCOUNT)
        if not user.professional_profile.verified:
            raise SignInRefused(SignInRefused.NOT_VERIFIED)
        return user

    def get_user(self, user_id):
        # The library's get_user ignores is_active: a deactivated professional would stay signed in.
        return ModelBackend.get_user(self, user_id)

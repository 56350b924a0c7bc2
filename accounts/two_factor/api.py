"""The token exchange of the mobile apps when the account has a second factor.

POST /api/v1/auth/token/ with the right password answers 401 `second_factor_required` with a `challenge`: a
value signed with django.core.signing that names the account and the device, good for CHALLENGE_SECONDS and
for one token. The app then POSTs /api/v1/auth/token/second-factor/ with the challenge and a code (or
`send_sms` for a patient with text-message codes) and gets its token. Wrong codes count against the account
as on the website (flow.code_check), and each challenge takes at most CHALLENGE_ATTEMPTS codes."""

import secrets

from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import throttling
from accounts.models import User
from accounts.two_factor import flow, policy
from relyfe import abuse
from relyfe.abuse import client_address, wait_text
from relyfe.errors import DomainError

CHALLENGE_SALT = "accounts.two_factor.challenge"
CHALLENGE_SECONDS = 5 * 60
CHALLENGE_ATTEMPTS = 5

SecondFactorRequiredSerializer = inline_serializer(
    "SecondFactorRequired",
    {
        "code": serializers.CharField(help_text="`second_factor_required`"),
        "detail": serializers.CharField(),
        "fields": serializers.DictField(),
        "challenge": serializers.CharField(help_text="Send it back with a code to the second-factor endpoint."),
        "expires_in": serializers.IntegerField(help_text="Seconds the challenge stays good."),
        "methods": serializers.ListField(
            child=serializers.CharField(), help_text='"totp", "recovery_code", "sms" (text-message code)…'
        ),
    },
)


def second_factor_required_response(user: User, device_name: str) -> Response:
    challenge = signing.dumps(
        {"user": str(user.public_id), "nonce": secrets.token_urlsafe(16), "device": device_name}, salt=CHALLENGE_SALT
    )
    response = Response(
        {
            "code": "second_factor_required",
            "detail": str(_("Type the code of your second factor.")),
            "fields": {},
            "challenge": challenge,
            "expires_in": CHALLENGE_SECONDS,
            "methods": policy.methods_of(user),
        },
        status=401,
    )
    response["WWW-Authenticate"] = "Token"
    return response


class SecondFactorRequestSerializer(serializers.Serializer):
    challenge = serializers.CharField(max_length=1000)
    code = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    send_sms = serializers.BooleanField(
        required=False, default=False, help_text="Text a code to the patient's phone instead of checking one."
    )


def _challenge_of(value: str) -> dict:
    try:
        challenge = signing.loads(value, salt=CHALLENGE_SALT, max_age=CHALLENGE_SECONDS)
    except signing.SignatureExpired:
        raise DomainError("challenge_expired", _("Signing in took too long: sign in again."), status=401) from None
    except signing.BadSignature:
        raise DomainError("invalid_challenge", _("Sign in again."), status=401) from None
    if cache.get(f"second-factor:used:{challenge['nonce']}"):
        raise DomainError("invalid_challenge", _("Sign in again."), status=401)
    return challenge


class SecondFactorTokenView(APIView):
    """The second step of the apps' sign-in: the challenge of `POST /auth/token/` and a code (authenticator,
    recovery code, or a text-message code for patients) give the device its token."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=SecondFactorRequestSerializer,
        responses={
            200: OpenApiResponse(description="The device's token, as `POST /auth/token/` gives it."),
            202: OpenApiResponse(description="A code was sent by text message."),
            400: OpenApiResponse(description="`invalid_code`: the code is wrong or was already used."),
            401: OpenApiResponse(description="`challenge_expired` or `invalid_challenge`: sign in again."),
            429: OpenApiResponse(description="Too many wrong codes: wait `wait` seconds."),
        },
    )
    def post(self, request):
        from accounts.api import token_response

        serializer = SecondFactorRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        challenge = _challenge_of(serializer.validated_data["challenge"])
        user = User.objects.filter(public_id=challenge["user"], is_active=True).first()
        if user is None:
            raise DomainError("invalid_challenge", _("Sign in again."), status=401)
        if serializer.validated_data["send_sms"]:
            device = policy.sms_device_of(user)
            if device is None:
                raise DomainError("sms_not_available", _("This account does not receive codes by text message."))
            if not throttling.phone_code_allowed(user.phone, client_address(request)):
                raise exceptions.Throttled(detail=_("Too many codes were requested. Try again in an hour."))
            device.generate_challenge()
            return Response(status=202)
        if not abuse.hit(
            abuse.Limit("second-factor:challenge", CHALLENGE_ATTEMPTS, CHALLENGE_SECONDS), challenge["nonce"]
        ):
            raise DomainError("invalid_challenge", _("Too many codes tried: sign in again."), status=401)
        try:
            device = flow.code_check(user, serializer.validated_data["code"])
        except flow.Locked as locked:
            throttled = exceptions.Throttled(
                detail=_("Too many wrong codes on this account. Try again in %(wait)s.")
                % {"wait": wait_text(locked.wait)}
            )
            throttled.wait = locked.wait
            raise throttled from None
        if device is None:
            raise DomainError("invalid_code", _("This code is wrong or was already used."))
        if not cache.add(f"second-factor:used:{challenge['nonce']}", 1, CHALLENGE_SECONDS):
            raise DomainError("invalid_challenge", _("Sign in again."), status=401)
        return token_response(request, user, challenge["device"])

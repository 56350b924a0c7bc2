from django.contrib.auth import authenticate
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, throttling, tokens, user_sessions
from accounts.models import ApiToken, ApiTokenRevocation, Profession, User, UserSession
from accounts.selectors import directory_search
from accounts.two_factor import policy as two_factor
from accounts.two_factor.api import SecondFactorRequiredSerializer, second_factor_required_response
from relyfe.abuse import client_address, wait_text
from relyfe.errors import DomainError


class TokenRequestSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text=_("E-mail address or mobile phone number."), max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, max_length=4096)
    device = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=tokens.DEVICE_NAME_MAX_LENGTH,
        help_text=_("The device's name, as its owner will see it in their list of devices (default: the User-Agent)."),
    )


class DeviceTokenSerializer(serializers.ModelSerializer):
    """A signed-in device, as its owner sees it in the list."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    device = serializers.CharField(source="device_name", read_only=True)
    last_address = serializers.IPAddressField(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "device", "created_at", "last_used_at", "last_address", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        """Whether this is the token of the request."""
        request = self.context.get("request")
        return request is not None and isinstance(request.auth, ApiToken) and request.auth.pk == token.pk


class TokenSerializer(DeviceTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once: keep it in the device's secure storage.")

    class Meta(DeviceTokenSerializer.Meta):
        fields = ["token", *DeviceTokenSerializer.Meta.fields]
        read_only_fields = fields


class TokenObtainView(APIView):
    """Exchanges an identifier and a password for an API token for this device (mobile apps). Each sign-in
    makes a new token; it expires after `API_TOKEN_LIFETIME_DAYS` days without use."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Invalid fields, or a wrong identifier or password."),
            401: OpenApiResponse(
                SecondFactorRequiredSerializer,
                description="`second_factor_required`: the account has a second factor. Send the `challenge` "
                "and a code to `POST /api/v1/auth/token/second-factor/` to get the token.",
            ),
            403: OpenApiResponse(
                description="`second_factor_enrolment_required`: a professional or staff account without a "
                "second factor; set one up on the website first."
            ),
            429: OpenApiResponse(description="Too many failed attempts: wait `wait` seconds."),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        identifier = serializer.validated_data["identifier"]
        user = authenticate(request, username=identifier, password=serializer.validated_data["password"])
        if user is None:
            if wait := throttling.wait_seconds(identifier):
                locked = exceptions.Throttled(
                    detail=_("Too many failed attempts on this account. Try again in %(wait)s.")
                    % {"wait": wait_text(wait)}
                )
                locked.wait = wait  # set apart: Throttled(wait=…) would add a second sentence in seconds
                raise locked
            raise DomainError("wrong_credentials", _("Wrong identifier or password."))
        user_agent = request.headers.get("User-Agent", "")
        device_name = tokens.device_name_from(serializer.validated_data["device"], user_agent)
        if two_factor.has_second_factor(user):
            return second_factor_required_response(user, device_name)
        if two_factor.second_factor_required(user):
            raise DomainError(
                "second_factor_enrolment_required",
                two_factor.ENROLMENT_REQUIRED,
                status=403,
            )
        return token_response(request, user, device_name)


def token_response(request, user: User, device_name: str) -> Response:
    """A new token for this device, shown once."""
    user_agent = request.headers.get("User-Agent", "")
    token, key = tokens.api_token_issue(
        user=user, device_name=device_name, user_agent=user_agent, address=client_address(request)
    )
    response = Response({"token": key, **DeviceTokenSerializer(token, context={"request": request}).data})
    add_never_cache_headers(response)  # it carries the token: no cache keeps it
    return response


class DeviceTokensView(APIView):
    """The devices signed in to the caller's account."""

    @extend_schema(responses=DeviceTokenSerializer(many=True))
    def get(self, request):
        devices = tokens.api_tokens_of(request.user)
        return Response(DeviceTokenSerializer(devices, many=True, context={"request": request}).data)


class CurrentTokenView(APIView):
    """Signs this device out: its token stops working."""

    @extend_schema(
        request=None,
        responses={
            204: None,
            400: OpenApiResponse(description="The request was signed in with a session, not a token."),
        },
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise DomainError("no_token", _("This request was not signed with an API token."))
        tokens.api_token_revoke(actor=request.user, token=request.auth, reason=ApiTokenRevocation.SIGNED_OUT)
        return Response(status=204)


class DeviceTokenView(APIView):
    """Signs one of the caller's devices out."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token_id):
        token = tokens.api_token_get_for_user(user=request.user, public_id=token_id)
        tokens.api_token_revoke(actor=request.user, token=token)
        return Response(status=204)


class BrowserSessionSerializer(serializers.ModelSerializer):
    """A browser signed in to the caller's account."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    device = serializers.CharField(read_only=True, help_text="The browser and its system, e.g. “Firefox on Windows”.")
    last_address = serializers.IPAddressField(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = ["id", "device", "created_at", "last_seen_at", "last_address", "current"]
        read_only_fields = fields

    def get_current(self, session) -> bool:
        """Whether this is the session of the request."""
        return str(session.public_id) == self.context.get("current_session_id")


class BrowserSessionsView(APIView):
    """The browsers signed in to the caller's account (its apps are at `auth/tokens/`)."""

    @extend_schema(responses=BrowserSessionSerializer(many=True))
    def get(self, request):
        sessions = user_sessions.user_sessions_of(request.user)
        context = {"current_session_id": user_sessions.current_session_id(request)}
        return Response(BrowserSessionSerializer(sessions, many=True, context=context).data)


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["public_id", "role", "email", "phone", "first_name", "last_name", "time_zone", "language"]
        read_only_fields = ["public_id", "role", "email", "phone"]


class MeView(APIView):
    """The signed-in user's account."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(
            actor=request.user, user=request.user, user_fields=serializer.validated_data, profile_fields={}
        )
        return Response(MeSerializer(user).data)


class DirectoryEntrySerializer(serializers.Serializer):
    """A professional as the directory shows them: only what they made public."""

    public_id = serializers.UUIDField()
    name = serializers.CharField(source="full_name")
    profession = serializers.CharField(source="professional_profile.profession")
    verified = serializers.BooleanField(source="professional_profile.verified")
    specialty = serializers.SerializerMethodField()
    city = serializers.SerializerMethodField()

    def get_specialty(self, user) -> str:
        profile = user.professional_profile
        return profile.specialty if profile.specialty_public else ""

    def get_city(self, user) -> str:
        profile = user.professional_profile
        return profile.city if profile.city_public else ""


class DirectoryQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Name or specialty (the first 100 characters)."
    )
    profession = serializers.ChoiceField(choices=Profession.choices, required=False, allow_blank=True, default="")
    city = serializers.CharField(required=False, allow_blank=True, default="", help_text="The first 100 characters.")


@extend_schema_view(get=extend_schema(parameters=[DirectoryQuerySerializer]))
class DirectoryView(ListAPIView):
    """Search the directory of professionals (`q`: name or specialty, `profession`, `city`)."""

    serializer_class = DirectoryEntrySerializer

    def get_queryset(self):
        query = DirectoryQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return directory_search(query=params["q"][:100], profession=params["profession"], city=params["city"][:100])

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, throttling
from accounts.models import Profession, User
from accounts.selectors import directory_search
from relyfe.abuse import wait_text
from relyfe.errors import DomainError


class TokenRequestSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text=_("E-mail address or mobile phone number."), max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, max_length=4096)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenObtainView(APIView):
    """Exchanges an identifier and a password for an API token (mobile apps)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Invalid fields, or a wrong identifier or password."),
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
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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

"""Face identification through the API, for the professional mobile app: the patient's consent and
enrolled faces, a search by photo, and the quick account for a patient nobody could identify.

Photos arrive as multipart uploads (field `image`), are read in memory once their size is known to be
acceptable, and are never stored. A photo the face engine cannot use is a `FaceProblem`, a domain error: it
answers 400 with a `code` the app acts on (retake the photo, one face only…) and a `detail` it shows, in the
API's one error shape (relyfe/api_errors.py).
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from access import policy
from faces import selectors, services
from faces.engine.images import read_upload
from faces.models import FaceConsent, FaceTemplate
from relyfe.identifiers import normalize_email, parse_phone
from relyfe.web import absolute_url

# --- Serializers -----------------------------------------------------------------------------------------


class FaceConsentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.full_name", read_only=True)

    class Meta:
        model = FaceConsent
        fields = ["given_at", "method", "text_version", "recorded_by"]
        read_only_fields = fields


class FaceTemplateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    enrolled_by = serializers.CharField(source="enrolled_by.full_name", read_only=True)

    class Meta:
        model = FaceTemplate
        fields = ["id", "enrolled_at", "enrolled_by"]
        read_only_fields = fields


class FaceStatusSerializer(serializers.Serializer):
    """The consent in force (null when none) and the faces enrolled under it."""

    consent = FaceConsentSerializer(read_only=True, allow_null=True)
    enrolled_faces = serializers.SerializerMethodField()
    templates = FaceTemplateSerializer(many=True, read_only=True)

    def get_enrolled_faces(self, face_status) -> int:
        return len(face_status.templates)


class EnrolledFaceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = FaceTemplate
        fields = ["id", "enrolled_at"]
        read_only_fields = fields


class FaceImageSerializer(serializers.Serializer):
    image = serializers.FileField(help_text=_("A photo of the patient's face (JPEG, PNG or WebP)."))

    def validate_image(self, uploaded) -> bytes:
        return read_upload(uploaded)


class FaceCandidateSerializer(serializers.Serializer):
    """A patient found by a search, shown only as far as the professional may see them."""

    rank = serializers.IntegerField()
    similarity = serializers.FloatField(help_text=_("0 to 100."))
    patient_id = serializers.UUIDField(source="patient.public_id")
    name = serializers.SerializerMethodField(help_text=_("Null until the professional may know who it is."))
    has_access = serializers.BooleanField()
    record_url = serializers.SerializerMethodField(
        help_text=_("The patient's records, when the professional has access.")
    )
    emergency_url = serializers.SerializerMethodField(
        help_text=_("The patient's emergency page, when they turned it on: see it, ask for access.")
    )

    def get_name(self, candidate) -> str | None:
        return candidate.patient.full_name if candidate.name_shown else None

    def get_record_url(self, candidate) -> str | None:
        if not candidate.has_access:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:patient-records", args=[candidate.patient.public_id])
        )

    def get_emergency_url(self, candidate) -> str | None:
        if candidate.emergency_token is None:
            return None
        return reverse("sharing:emergency_page", args=[candidate.emergency_token])


class FaceSearchResultSerializer(serializers.Serializer):
    search_id = serializers.UUIDField(source="search.public_id")
    threshold = serializers.FloatField(source="search.threshold")
    candidates = FaceCandidateSerializer(many=True, help_text=_("Best first; empty when nobody matched."))


class QuickPatientSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    approximate_birth_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    consent_recorded = serializers.BooleanField(
        help_text=_("The patient agreed, in front of the professional, to face identification.")
    )
    image = serializers.FileField(help_text=_("A photo of the patient's face (JPEG, PNG or WebP)."))

    def validate_email(self, value) -> str | None:
        return normalize_email(value) if value else None  # DRF makes its ValidationError this field's

    def validate_phone(self, value) -> str | None:
        return parse_phone(value, mobile_only=True) if value else None

    def validate_image(self, uploaded) -> bytes:
        return read_upload(uploaded)


class QuickAccountSerializer(serializers.Serializer):
    patient_id = serializers.UUIDField(source="patient.public_id")
    claim_code = serializers.CharField(help_text=_("Shown once: give it to the patient to claim the account."))
    claim_url = serializers.SerializerMethodField()

    def get_claim_url(self, account) -> str:
        return absolute_url(reverse("accounts:claim"))


# --- Permissions -------------------------------------------------------------------------------------


class MayIdentifyFaces(BasePermission):
    message = _("Face identification is for professionals whose registration ReLyfe verified.")

    def has_permission(self, request, view):
        return policy.may_identify_faces(request.user)


# --- Views ---------------------------------------------------------------------------------------------

PHOTO_REFUSED = OpenApiResponse(
    description="The photo cannot be used: `code` says why (not_an_image, no_face, several_faces, face_too_small, "
    "blurred, too_dark, overexposed, turned, low_quality, too_large); or field errors."
)


class FaceConsentView(APIView):
    """The patient's consent to face identification and their enrolled faces: read (GET) and given (POST)
    by the patient or a professional who may add to their file; withdrawn (DELETE) by the patient only,
    which deletes every enrolled face."""

    @extend_schema(responses=FaceStatusSerializer)
    def get(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        status = selectors.face_status(patient=patient, viewer=request.user, request=request)
        return Response(FaceStatusSerializer(status).data)

    @extend_schema(request=None, responses={201: FaceStatusSerializer})
    def post(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        services.face_consent_give(actor=request.user, patient=patient, request=request)
        return Response(FaceStatusSerializer(selectors.face_status(patient=patient)).data, status=201)

    @extend_schema(request=None, responses={200: FaceStatusSerializer})
    def delete(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        services.face_consent_withdraw(actor=request.user, patient=patient, request=request)
        return Response(FaceStatusSerializer(selectors.face_status(patient=patient)).data)


class PatientFacesView(APIView):
    """Enrols the face of a photo for the patient, under their consent in force (multipart, field `image`)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": FaceImageSerializer},
        responses={
            201: EnrolledFaceSerializer,
            400: PHOTO_REFUSED,
            403: OpenApiResponse(description=_("The patient has not consented to face identification.")),
        },
    )
    def post(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        serializer = FaceImageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.face_enrol(
            actor=request.user, patient=patient, image=serializer.validated_data["image"], request=request
        )
        return Response(EnrolledFaceSerializer(template).data, status=status.HTTP_201_CREATED)


class FaceIdentifyView(APIView):
    """Finds who the photo shows among the patients who consented (multipart, field `image`). Verified
    professionals only; every search is logged, and each patient found sees it in their access log."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, MayIdentifyFaces]

    @extend_schema(
        request={"multipart/form-data": FaceImageSerializer},
        responses={200: FaceSearchResultSerializer, 400: PHOTO_REFUSED},
    )
    def post(self, request):
        serializer = FaceImageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        search = services.face_identify(actor=request.user, image=serializer.validated_data["image"], request=request)
        result = {"search": search, "candidates": selectors.shown_candidates(user=request.user, search=search)}
        return Response(FaceSearchResultSerializer(result, context={"request": request}).data)


class QuickPatientView(APIView):
    """Nobody matched: creates the patient's account with minimal data and enrols their face under the
    consent the professional records, in one step. Answers with the one-time code the patient claims the
    account with (also e-mailed when an address is given)."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, MayIdentifyFaces]

    @extend_schema(
        request={"multipart/form-data": QuickPatientSerializer},
        responses={
            201: QuickAccountSerializer,
            400: OpenApiResponse(description=_("Field errors, or a photo that cannot be used (`code`, `detail`).")),
            403: OpenApiResponse(description=_("The patient's consent was not recorded.")),
        },
    )
    def post(self, request):
        serializer = QuickPatientSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = services.patient_quick_create(actor=request.user, request=request, **serializer.validated_data)
        return Response(QuickAccountSerializer(account).data, status=status.HTTP_201_CREATED)

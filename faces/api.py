"""Face identification through the API, for the professional mobile app: the patient's consent and
enrolled faces, a search by photo, and the quick account for a patient nobody could identify.

Photos arrive as multipart uploads (field `image`, repeated for the two or three photos of an enrolment), are
read in memory once their size is known to be acceptable, and are never stored. A photo the face engine cannot
use is a `FaceProblem`, a domain error: it answers 400 with a `code` the app acts on (retake the photo, one face
only…) and a `detail` it shows, in the API's one error shape (relyfe/api_errors.py).

A search answers bands (strong, possible), or `ambiguous` with no candidate; a candidate is named only once the
professional confirmed the patient's second factor (…/candidates/<rank>/confirm/), or, for a strong match, when
they already have access to the file.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from access import policy
from faces import selectors, services
from faces.confirmation import ConfirmationThrottled
from faces.engine.images import read_upload
from faces.models import ConfirmationFactor, FaceConsent, FaceTemplate, MatchBand, SearchOutcome
from relyfe.identifiers import normalize_email, parse_phone
from relyfe.web import absolute_url

ENROLMENT_PHOTOS = 3

# --- Serializers -----------------------------------------------------------------------------------------


class FaceConsentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.full_name", read_only=True)

    class Meta:
        model = FaceConsent
        fields = ["given_at", "method", "text_version", "recorded_by", "confirm_with"]
        read_only_fields = fields


class ConfirmationFactorSerializer(serializers.Serializer):
    confirm_with = serializers.ChoiceField(
        choices=ConfirmationFactor.choices,
        help_text=_(
            "What a professional asks the patient for before a face match names them: phone_digits only with a "
            "mobile phone on the account, heart_code only with the emergency page on."
        ),
    )


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
    quality = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text=_("What the engine measured on the photo (sharpness, brightness, face size, pose)."),
    )

    class Meta:
        model = FaceTemplate
        fields = ["id", "enrolled_at", "quality"]
        read_only_fields = fields


class FaceEnrolmentSerializer(serializers.Serializer):
    image = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        max_length=ENROLMENT_PHOTOS,
        help_text=_(
            "One to three photos of the patient's face (JPEG, PNG or WebP), the field repeated once per photo: "
            "two or three, in other light or from a slight angle, are recognised better than one."
        ),
    )

    def validate_image(self, uploads) -> list[bytes]:
        return [read_upload(uploaded) for uploaded in uploads]


class FaceImageSerializer(serializers.Serializer):
    image = serializers.FileField(help_text=_("A photo of the patient's face (JPEG, PNG or WebP)."))

    def validate_image(self, uploaded) -> bytes:
        return read_upload(uploaded)


class FaceCandidateSerializer(serializers.Serializer):
    """A patient found by a search, shown only as far as the professional may see them: until they may know who
    it is (policy.may_name_identified_patient), nothing names the patient."""

    rank = serializers.IntegerField()
    band = serializers.ChoiceField(
        choices=MatchBand.choices,
        help_text=_("strong or possible: what the similarity means. A possible match always needs the confirmation."),
    )
    similarity = serializers.FloatField(
        help_text=_("0 to 100, for professionals who want the number: not a probability that this is the patient.")
    )
    confirmation_needed = serializers.SerializerMethodField(
        help_text=_("True until the professional confirms confirm_with (POST …/confirm/): nothing names the patient.")
    )
    confirm_with = serializers.ChoiceField(
        source="factor",
        choices=ConfirmationFactor.choices,
        help_text=_("What to ask the patient for (or read on their card) to confirm who it is."),
    )
    confirmation_locked = serializers.BooleanField(
        source="locked", help_text=_("Too many wrong answers: this match stays anonymous.")
    )
    patient_id = serializers.SerializerMethodField(help_text=_("Null until the professional may know who it is."))
    name = serializers.SerializerMethodField(help_text=_("Null until the professional may know who it is."))
    has_access = serializers.BooleanField(help_text=_("False until the professional may know who it is."))
    record_url = serializers.SerializerMethodField(
        help_text=_("The patient's records, when the professional has access and may know who it is.")
    )
    emergency_url = serializers.SerializerMethodField(
        help_text=_("The patient's emergency page, when they turned it on: see it, ask for access.")
    )

    def get_confirmation_needed(self, candidate) -> bool:
        return not candidate.name_shown

    def get_patient_id(self, candidate) -> str | None:
        return str(candidate.patient.public_id) if candidate.name_shown else None

    def get_name(self, candidate) -> str | None:
        return candidate.patient.full_name if candidate.name_shown else None

    def get_record_url(self, candidate) -> str | None:
        if not (candidate.name_shown and candidate.has_access):
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:patient-records", args=[candidate.patient.public_id])
        )

    def get_emergency_url(self, candidate) -> str | None:
        if candidate.emergency_token is None or not candidate.name_shown:
            return None
        return reverse("sharing:emergency_page", args=[candidate.emergency_token])


class FaceSearchResultSerializer(serializers.Serializer):
    search_id = serializers.UUIDField(source="search.public_id")
    threshold = serializers.FloatField(source="search.threshold")
    outcome = serializers.ChoiceField(
        source="search.outcome",
        choices=SearchOutcome.choices,
        help_text=_(
            "match, no_match, or ambiguous: several patients look alike, none is shown; identify the patient "
            "another way (Heart-Code, name and birth date)."
        ),
    )
    candidates = FaceCandidateSerializer(
        many=True, help_text=_("Best first; empty when nobody matched, and when the result is ambiguous.")
    )


class CandidateConfirmationSerializer(serializers.Serializer):
    answer = serializers.CharField(
        max_length=300,
        help_text=_(
            "The candidate's confirm_with: the birth date (YYYY-MM-DD), the last four digits of the mobile phone, "
            "or the Heart-Code (its address, or the code after /e/)."
        ),
    )


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
    which deletes every enrolled face. The patient chooses (PATCH `confirm_with`) what a professional asks them
    for before a face match names them."""

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

    @extend_schema(
        request=ConfirmationFactorSerializer,
        responses={
            200: FaceStatusSerializer,
            400: OpenApiResponse(description="`factor_unavailable`: the account has no phone, or no Heart-Code."),
            403: OpenApiResponse(description="Only the patient chooses; `no_consent` without a consent in force."),
        },
    )
    def patch(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        serializer = ConfirmationFactorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.face_confirmation_factor_choose(
            actor=request.user,
            patient=patient,
            factor=ConfirmationFactor(serializer.validated_data["confirm_with"]),
            request=request,
        )
        return Response(FaceStatusSerializer(selectors.face_status(patient=patient)).data)

    @extend_schema(request=None, responses={200: FaceStatusSerializer})
    def delete(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        services.face_consent_withdraw(actor=request.user, patient=patient, request=request)
        return Response(FaceStatusSerializer(selectors.face_status(patient=patient)).data)


class PatientFacesView(APIView):
    """Enrols the face of each photo for the patient, under their consent in force (multipart, field `image`,
    repeated for two or three photos). One photo refused keeps none: `code` is the first refused photo's problem
    and `detail` names each refused photo ("Photo 2: …")."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": FaceEnrolmentSerializer},
        responses={
            201: EnrolledFaceSerializer(many=True),
            400: PHOTO_REFUSED,
            403: OpenApiResponse(description=_("The patient has not consented to face identification.")),
        },
    )
    def post(self, request, patient_id):
        patient = selectors.patient_for_enrolment(user=request.user, public_id=patient_id)
        serializer = FaceEnrolmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        templates = services.face_enrol_photos(
            actor=request.user, patient=patient, images=serializer.validated_data["image"], request=request
        )
        return Response(EnrolledFaceSerializer(templates, many=True).data, status=status.HTTP_201_CREATED)


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


class FaceCandidateConfirmView(APIView):
    """Confirms who a candidate of the professional's search is with the second factor the patient chose (the
    candidate's `confirm_with`), before its name is shown. Answers the candidate, now named.

    Errors: 400 `wrong_factor` (the same whatever was wrong; FACES_CONFIRMATION_ATTEMPTS of them lock the
    candidate), 403 `confirmation_locked` (even the right answer is refused now), 429 `throttled` with `wait`
    (too many wrong answers across searches), 404 for an unknown or expired search or rank, and for an
    ambiguous search, which names nobody."""

    permission_classes = [IsAuthenticated, MayIdentifyFaces]

    @extend_schema(
        request=CandidateConfirmationSerializer,
        responses={
            200: FaceCandidateSerializer,
            400: OpenApiResponse(description="`wrong_factor`: the answer does not confirm the match; or field errors."),
            403: OpenApiResponse(description="`confirmation_locked`: too many wrong answers for this match."),
            404: OpenApiResponse(description="`not_found`: no such search or candidate, or the search is ambiguous."),
            429: OpenApiResponse(description="`throttled`: too many wrong answers; `wait` says how long."),
        },
    )
    def post(self, request, search_id, rank):
        search = selectors.face_search_of(user=request.user, public_id=search_id)
        serializer = CandidateConfirmationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.face_candidate_confirm(
                actor=request.user,
                search=search,
                rank=rank,
                answer=serializer.validated_data["answer"],
                request=request,
            )
        except ConfirmationThrottled as throttled:
            error = exceptions.Throttled(wait=throttled.wait, detail=str(throttled))
            raise error from None
        candidate = selectors.shown_candidate(user=request.user, search=search, rank=rank)
        return Response(FaceCandidateSerializer(candidate, context={"request": request}).data)


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

"""The API of "Download all my data": the whole file as a FHIR R4 Bundle, at once (a mobile app keeps it, or
hands it to another health service). Files are not inlined: each attachment's url is its API download URL."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portability import export_selectors, export_services


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


BUNDLE_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="A FHIR R4 Bundle of type collection (Patient, DocumentReference, MedicationRequest, "
    "MedicationStatement, AllergyIntolerance, Condition, Observation, RelatedPerson, Consent, AuditEvent, "
    "Communication). Each file is an attachment whose url is its API download URL and whose hash is its SHA-1.",
)


class _ExportView(APIView):
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    def _bundle(self, request, patient):
        try:
            bundle = export_services.export_bundle(
                actor=request.user,
                patient=patient,
                file_url=lambda record_file: request.build_absolute_uri(
                    reverse("api:file-download", args=[record_file.public_id])
                ),
                request=request,
            )
        except PermissionDenied as refused:
            raise Http404 from refused
        return Response(bundle, content_type=f"{FhirJSONRenderer.media_type}; charset=utf-8")


class MyExportView(_ExportView):
    @extend_schema(
        operation_id="me_export",
        summary="All my data as a FHIR R4 Bundle",
        description="The patient's whole file. Written in their access log.",
        responses={(200, "application/fhir+json"): BUNDLE_RESPONSE},
    )
    def get(self, request):
        if not request.user.is_patient:
            raise Http404
        return self._bundle(request, request.user)


class PatientExportView(_ExportView):
    @extend_schema(
        operation_id="patient_export",
        summary="A patient's whole file as a FHIR R4 Bundle",
        description="For a professional whose grant is the patient's whole file (404 otherwise). Sharing and the "
        "access log are the patient's own and are not included. Written in the patient's access log.",
        responses={(200, "application/fhir+json"): BUNDLE_RESPONSE},
    )
    def get(self, request, patient_id):
        patient, _access = export_selectors.patient_for_export(actor=request.user, public_id=patient_id)
        return self._bundle(request, patient)

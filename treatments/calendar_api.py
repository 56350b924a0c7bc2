"""The calendar feed in the API: make one (its URL is in this answer only) or stop it. The patient's own by
default; a guardian or caregiver who manages a patient's file names the patient."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from health_records.selectors import patient_get_for_user
from treatments import calendar_services
from treatments.calendar_views import feed_urls


class CalendarFeedCreateSerializer(serializers.Serializer):
    show_drug_names = serializers.BooleanField(default=False)
    patient = serializers.UUIDField(required=False, help_text="A patient whose file the caller manages.")


class NewCalendarFeedSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(source="feed.public_id")
    show_drug_names = serializers.BooleanField(source="feed.show_drug_names")
    created_at = serializers.DateTimeField(source="feed.created_at")
    url = serializers.URLField(help_text="Shown once: only its hash is kept.")
    webcal_url = serializers.CharField()


NOT_FOUND = OpenApiResponse(description="No such patient whose calendar the caller manages.")


def _patient(request, public_id):
    if public_id is None:
        if not request.user.is_patient:
            raise Http404
        return request.user
    patient, _access = patient_get_for_user(user=request.user, public_id=public_id, action=Action.SHARE)
    return patient


class CalendarFeedView(APIView):
    """The private iCalendar feed of a patient's doses, treatment ends and renewals."""

    @extend_schema(request=CalendarFeedCreateSerializer, responses={201: NewCalendarFeedSerializer, 404: NOT_FOUND})
    def post(self, request):
        serializer = CalendarFeedCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        created = calendar_services.calendar_feed_create(
            actor=request.user,
            patient=_patient(request, values.get("patient")),
            show_drug_names=values["show_drug_names"],
            request=request,
        )
        data = {"feed": created.feed, **feed_urls(request, created.token)}
        return Response(NewCalendarFeedSerializer(data).data, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("patient", str, description="A patient whose file the caller manages.")],
        responses={204: None, 404: NOT_FOUND},
    )
    def delete(self, request):
        patient_id = request.query_params.get("patient")
        patient = _patient(request, serializers.UUIDField().to_internal_value(patient_id) if patient_id else None)
        calendar_services.calendar_feed_revoke(actor=request.user, patient=patient, request=request)
        return Response(status=204)

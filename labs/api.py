"""The lab results API: a patient's observations, filtered by analyte and dates, and one line per analyte.
Reads go through `labs.selectors`, which asks the access policy (through the records the caller may see):
what the caller may not see is a 404. Errors are answered by `relyfe.api_errors`."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from labs import selectors
from labs.models import Observation
from labs.serializers import AnalyteSummarySerializer, ObservationQuerySerializer, ObservationSerializer


class PatientObservationsView(ListAPIView):
    """The patient's lab values the caller may see (those of the records they may see), newest sample first."""

    serializer_class = ObservationSerializer

    @extend_schema(parameters=[ObservationQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Observation.objects.none()
        _patient, _access, observations = selectors.observations_of_patient(
            user=self.request.user, patient_id=self.kwargs["patient_id"], request=self.request
        )
        query = ObservationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        if values.get("analyte"):
            observations = observations.filter(loinc=values["analyte"])
        if values.get("since"):
            observations = observations.filter(sampled_on__gte=values["since"])
        if values.get("until"):
            observations = observations.filter(sampled_on__lte=values["until"])
        return observations


class PatientAnalytesView(APIView):
    """One line per analyte of the patient's lab values the caller may see: its name, unit, number of values
    and the latest one, by name. Values of analytes ReLyfe does not know are in /observations/ only."""

    @extend_schema(responses=AnalyteSummarySerializer(many=True))
    def get(self, request, patient_id):
        _patient, _access, observations = selectors.observations_of_patient(
            user=request.user, patient_id=patient_id, request=request
        )
        summaries, _others = selectors.analyte_summaries(observations)
        return Response(AnalyteSummarySerializer(summaries, many=True).data)

"""The treatments API: the operations of the treatment pages, as JSON. Reads go through the selectors and
writes through the services, which ask the access policy: what the user may not see is a 404. The
serializers are in `treatments.serializers`; errors are answered by `relyfe.api_errors`."""

from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from access.policy import Action
from health_records.selectors import health_record_for_action, patient_get_for_user
from treatments import lexicon, safety_checks, selectors, services
from treatments.models import ReminderSettings, Treatment, over_on
from treatments.serializers import (
    CaredForPatientSerializer,
    DoseAnswerSerializer,
    DrugSerializer,
    IntakeSerializer,
    MedicationSerializer,
    NewTreatmentSerializer,
    PlanQuerySerializer,
    PlanSerializer,
    ReminderSettingsSerializer,
    TreatmentDetailSerializer,
    TreatmentSerializer,
    TreatmentStatusSerializer,
)

DRUG_SEARCH_LIMIT = 10
NOT_A_PATIENT = OpenApiResponse(description="The signed-in user is not a patient.")


class PatientTreatmentsView(ListAPIView):
    """The patient's treatments with their medications, current ones (active or paused) first (GET), or a new
    treatment (POST)."""

    serializer_class = TreatmentSerializer

    def get_serializer(self, *args, **kwargs):
        # The page's treatments: their medications' warnings in one check.
        if kwargs.get("many") and args:
            args = (list(args[0]), *args[1:])
            kwargs["context"] = _with_safety(self.get_serializer_context(), args[0])
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Treatment.objects.none()
        patient, _access, treatments = selectors.treatments_of_patient(
            user=self.request.user, patient_id=self.kwargs["patient_id"], request=self.request
        )
        return (
            treatments.select_related("patient", "created_by")
            .alias(
                past=Case(
                    When(over_on(selectors.patient_today(patient)), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("past", "-start_date", "-id")
        )

    @extend_schema(request=NewTreatmentSerializer, responses={201: TreatmentSerializer})
    def post(self, request, patient_id):
        patient, _access = patient_get_for_user(user=request.user, public_id=patient_id, action=Action.CREATE)
        serializer = NewTreatmentSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        prescription = None
        if values.get("prescription"):
            prescription, _record_access = health_record_for_action(
                user=request.user, public_id=values["prescription"], action=Action.VIEW
            )
        if not selectors.may_add_treatment(request.user, patient, prescription=prescription):
            raise Http404
        treatment = services.treatment_create(
            actor=request.user,
            patient=patient,
            title=values["title"],
            start_date=values["start_date"],
            end_date=values.get("end_date"),
            prescription=prescription,
            prescriber_name=values.get("prescriber_name", ""),
            request=request,
        )
        return Response(TreatmentSerializer(treatment, context={"request": request}).data, status=201)


class TreatmentDetailView(APIView):
    """A treatment with its medications and how well it is taken (GET), or its status changed (PATCH):
    pause, resume, stop or finish."""

    @extend_schema(responses=TreatmentDetailSerializer)
    def get(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, request=request)
        adherence = selectors.adherence(treatment=treatment, today=selectors.patient_today(treatment.patient))
        context = _with_safety({"request": request, "adherence": adherence}, [treatment])
        return Response(TreatmentDetailSerializer(treatment, context=context).data)

    @extend_schema(request=TreatmentStatusSerializer, responses=TreatmentSerializer)
    def patch(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(
            user=request.user, public_id=treatment_id, action=Action.UPDATE
        )
        serializer = TreatmentStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        treatment = services.treatment_set_status(
            actor=request.user, treatment=treatment, status=serializer.validated_data["status"], request=request
        )
        return Response(TreatmentSerializer(treatment, context={"request": request}).data)


class TreatmentMedicationsView(APIView):
    """Adds a medication to a treatment that is not over."""

    @extend_schema(request=MedicationSerializer, responses={201: MedicationSerializer})
    def post(self, request, treatment_id):
        treatment, _access = selectors.treatment_for_user(
            user=request.user, public_id=treatment_id, action=Action.CREATE
        )
        serializer = MedicationSerializer(data=request.data, context={"request": request, "treatment": treatment})
        serializer.is_valid(raise_exception=True)
        values, reason = _values_and_reason(serializer)
        medication = services.medication_add(
            actor=request.user, treatment=treatment, values=values, safety_reason=reason, request=request
        )
        return Response(MedicationSerializer(medication, context={"request": request}).data, status=201)


class MedicationDetailView(APIView):
    """Changes a medication; the change applies from the next dose."""

    @extend_schema(request=MedicationSerializer, responses=MedicationSerializer)
    def patch(self, request, medication_id):
        medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
        serializer = MedicationSerializer(medication, data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values, reason = _values_and_reason(serializer)
        medication = services.medication_update(
            actor=request.user, medication=medication, values=values, safety_reason=reason, request=request
        )
        return Response(MedicationSerializer(medication, context={"request": request}).data)


def _values_and_reason(serializer) -> tuple[dict, str]:
    values = dict(serializer.validated_data)
    confirmation = values.pop("safety_confirmation", None) or {}
    return values, confirmation.get("reason", "")


def _with_safety(context: dict, treatments) -> dict:
    """The warnings of every medication of `treatments` (the patient's), computed in one check."""
    treatments = list(treatments)
    if not treatments:
        return context
    medications = [medication for treatment in treatments for medication in treatment.medications.all()]
    return {**context, "safety": safety_checks.shown_warnings(treatments[0].patient, medications)}


class MedicationStopView(APIView):
    """Stops a medication from now on (stopping it again changes nothing)."""

    @extend_schema(request=None, responses=MedicationSerializer)
    def post(self, request, medication_id):
        medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
        medication = services.medication_stop(actor=request.user, medication=medication, request=request)
        return Response(MedicationSerializer(medication, context={"request": request}).data)


class PatientPlanView(APIView):
    """The doses of a day grouped by moment in time order, with the answers and who gave them when it was not
    the patient (a caregiver); `can_answer` says whether the caller may answer them (POST /doses/)."""

    @extend_schema(
        parameters=[PlanQuerySerializer],
        responses=PlanSerializer,
    )
    def get(self, request, patient_id):
        patient, access, treatments = selectors.treatments_of_patient(
            user=request.user, patient_id=patient_id, request=request
        )
        query = PlanQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or selectors.patient_today(patient)
        groups = [
            {
                **group,
                "items": [
                    {
                        "medication": item["medication"],
                        "status": item["intake"].status if item["intake"] else "due",
                        "answered_by": item["answered_by_other"].full_name if item["answered_by_other"] else None,
                    }
                    for item in group["items"]
                ],
            }
            for group in selectors.day_plan(patient=patient, day=day, treatments=treatments)
        ]
        plan = {"date": day, "can_answer": access.can(Action.ANSWER_DOSE), "groups": groups}
        return Response(PlanSerializer(plan, context={"request": request}).data)


class DosesView(APIView):
    """The patient, or a caregiver they allowed to answer doses, marks a dose taken, skipped or to be reminded
    later. The medication says whose dose it is; the answer is logged as the caller's."""

    @extend_schema(
        request=DoseAnswerSerializer,
        responses={
            200: IntakeSerializer,
            404: OpenApiResponse(description="No such dose on that day that the caller may answer."),
        },
    )
    def post(self, request):
        serializer = DoseAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        medication = selectors.medication_for_user(
            user=request.user, public_id=values["medication"], action=Action.ANSWER_DOSE
        )
        slot = selectors.slot_of(medication=medication, day=values["local_date"], moment=values["moment"])
        if slot is None:
            raise Http404
        intake = services.intake_answer(
            actor=request.user,
            medication=medication,
            local_date=values["local_date"],
            moment=values["moment"],
            due_at=slot.due_at,
            answer=values["answer"],
            request=request,
        )
        return Response(IntakeSerializer(intake, context={"request": request}).data)


class CaringForView(APIView):
    """The patients the caller helps as a caregiver, with what each lets them do; their doses of a day are
    at /patients/<id>/plan/ (when `can_view`), answered at /doses/ (when `can_answer`)."""

    @extend_schema(responses=CaredForPatientSerializer(many=True))
    def get(self, request):
        people = selectors.people_i_help(user=request.user, request=request)
        return Response(CaredForPatientSerializer(people, many=True).data)


class ReminderSettingsView(APIView):
    """The signed-in patient's moments of the day, snooze and reminders (patients only)."""

    def _settings(self, request) -> ReminderSettings:
        if not request.user.is_patient:
            raise Http404
        return selectors.reminder_settings_of(patient=request.user)

    @extend_schema(responses={200: ReminderSettingsSerializer, 404: NOT_A_PATIENT})
    def get(self, request):
        return Response(ReminderSettingsSerializer(self._settings(request)).data)

    @extend_schema(request=ReminderSettingsSerializer, responses={200: ReminderSettingsSerializer, 404: NOT_A_PATIENT})
    def patch(self, request):
        serializer = ReminderSettingsSerializer(self._settings(request), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        reminder_settings = services.reminder_settings_update(
            actor=request.user, values=dict(serializer.validated_data), request=request
        )
        return Response(ReminderSettingsSerializer(reminder_settings).data)


class DrugsView(APIView):
    """The drug reference: drugs whose name or substance starts with each word of `q`, accents ignored."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Brand or substance, at least a few letters.")],
        responses=DrugSerializer(many=True),
    )
    def get(self, request):
        drugs = lexicon.search(request.query_params.get("q", ""), limit=DRUG_SEARCH_LIMIT)
        return Response(DrugSerializer(drugs, many=True).data)

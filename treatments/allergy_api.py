"""The allergies API: a patient's allergies in force (GET), one more (POST), one removed (DELETE). Who reaches
them is `treatments.allergy_selectors`' rule; anyone else gets a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from health_records.selectors import patient_get_for_user
from treatments import allergy_selectors, allergy_services
from treatments.models import Allergy, DrugClass


class AllergySerializer(serializers.ModelSerializer):
    """An allergy names a class of drugs (`drug_class`) or a substance (`substance`: what is written is mapped
    to the drug lexicon's substance, "augmentin" gives "AMOXICILLINE + ACIDE CLAVULANIQUE")."""

    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    recorded_by = serializers.UUIDField(source="recorded_by.public_id", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", read_only=True)
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    drug_class = serializers.ChoiceField(choices=DrugClass.choices, required=False, allow_blank=True, default="")
    substance = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class Meta:
        model = Allergy
        fields = [
            "public_id",
            "patient",
            "kind",
            "label",
            "substance",
            "drug_class",
            "reaction",
            "severity",
            "on_emergency_profile",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = ["public_id", "recorded_at"]

    def validate(self, attrs):
        if not attrs.get("drug_class") and not attrs.get("substance", "").strip():
            raise serializers.ValidationError(allergy_services.NAME_AN_ALLERGEN, code="allergen")
        return attrs


class PatientAllergiesView(APIView):
    """The patient's allergies in force (GET), or a new one (POST)."""

    @extend_schema(responses=AllergySerializer(many=True))
    def get(self, request, patient_id):
        _patient, _access, allergies = allergy_selectors.allergies_for_user(
            user=request.user, patient_id=patient_id, request=request
        )
        return Response(AllergySerializer(allergies, many=True).data)

    @extend_schema(request=AllergySerializer, responses={201: AllergySerializer})
    def post(self, request, patient_id):
        patient, _access = patient_get_for_user(user=request.user, public_id=patient_id)
        if not allergy_selectors.allergy_access(request.user, patient):
            raise Http404
        serializer = AllergySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allergy = allergy_services.allergy_add(
            actor=request.user, patient=patient, request=request, **serializer.validated_data
        )
        return Response(AllergySerializer(allergy).data, status=201)


class AllergyView(APIView):
    """Removes an allergy (it stays in the history, removed)."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, allergy_id):
        allergy = allergy_selectors.allergy_for_user(user=request.user, public_id=allergy_id)
        allergy_services.allergy_remove(actor=request.user, allergy=allergy, request=request)
        return Response(status=204)

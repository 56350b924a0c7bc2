"""Reads of renewals and stock: through the policy, with the access event written for what is shown. A
renewal request is the prescriber's to read because the patient addressed it to them: they see who asks,
and the treatment's name only when their access covers the treatment."""

from django.http import Http404

from access import policy
from access.models import AccessPath
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from treatments import selectors, supply
from treatments.models import Medication, RenewalRequest, Treatment

# Who asks the prescriber for a renewal and reads the prepared message: the patient, or someone the patient
# put in charge of their file; a professional who can change the file is not the patient's voice.
ASKS_FOR_THE_PATIENT = (AccessPath.OWNER, AccessPath.GUARDIAN, AccessPath.CAREGIVER)


def supplies_of(treatment: Treatment, *, today) -> dict[int, supply.Supply]:
    """Each medication's stock and renewals, by medication id, for the treatment page."""
    return {medication.pk: supply.supply_of(medication, today=today) for medication in treatment.medications.all()}


def dispensings_of(*, user, medication_id, request=None) -> tuple[Medication, list]:
    medication = selectors.medication_for_user(user=user, public_id=medication_id, action=Action.VIEW)
    access = policy.decide(user, Action.VIEW, medication.treatment.patient, treatment=medication.treatment)
    audit.record(
        actor=user,
        patient=medication.treatment.patient,
        object_type=ObjectType.DISPENSING,
        object_id=None,
        action=AuditAction.LIST,
        access=access,
        request=request,
    )
    return medication, list(medication.dispensings.all())


def may_ask_renewal(user, treatment: Treatment) -> bool:
    access = policy.decide(user, Action.UPDATE, treatment.patient, treatment=treatment)
    return bool(access) and access.path in ASKS_FOR_THE_PATIENT


def treatment_for_renewal(*, user, public_id) -> Treatment:
    """The treatment `user` asks a renewal of; 404 unless they ask for the patient."""
    treatment = Treatment.objects.select_related("patient", "prescriber").filter(public_id=public_id).first()
    if treatment is None or not may_ask_renewal(user, treatment):
        raise Http404
    return treatment


def renewal_request_for_patient(*, user, public_id, request=None) -> RenewalRequest:
    """A request as the patient (or who asks for them) sees it: with the prepared message."""
    renewal_request = (
        RenewalRequest.objects.select_related("treatment__patient", "prescriber").filter(public_id=public_id).first()
    )
    if renewal_request is None or not may_ask_renewal(user, renewal_request.treatment):
        raise Http404
    treatment = renewal_request.treatment
    audit.record(
        actor=user,
        patient=treatment.patient,
        object_type=ObjectType.RENEWAL_REQUEST,
        object_id=renewal_request.public_id,
        action=AuditAction.VIEW,
        access=policy.decide(user, Action.UPDATE, treatment.patient, treatment=treatment),
        request=request,
    )
    return renewal_request


def renewal_requests_to(*, user) -> list[RenewalRequest]:
    """The requests addressed to `user` as prescriber, open ones first; each says whether the prescriber may
    open the treatment (`opens_treatment`)."""
    if not user.is_authenticated or not user.is_professional:
        raise Http404
    requests = list(
        RenewalRequest.objects.filter(prescriber=user)
        .select_related("treatment__patient")
        .order_by("answered_at", "-requested_at")[:200]
    )
    for renewal_request in requests:
        treatment = renewal_request.treatment
        renewal_request.opens_treatment = bool(policy.decide(user, Action.VIEW, treatment.patient, treatment=treatment))
    return requests


def renewal_request_to(*, user, public_id) -> RenewalRequest:
    """A request addressed to `user`; 404 for anyone else."""
    renewal_request = (
        RenewalRequest.objects.select_related("treatment__patient")
        .filter(public_id=public_id, prescriber__isnull=False)
        .first()
    )
    if renewal_request is None or renewal_request.prescriber_id != getattr(user, "pk", None):
        raise Http404
    return renewal_request

"""Reads of allergies, and who reaches them.

Allergies are patient-level data (no record carries them), but they matter for every prescription: hiding
them from a professional who prescribes would make the safety checks blind for that professional. So:
- the whole file (the patient, a guardian or a caregiver managing the file, a whole-file grant, break-glass)
  reads them, and records them when its permission adds to the file;
- a professional whose grant adds to the file and whose scope lets them prescribe for the patient (it covers
  all the treatments, one of them, or a prescription they could start one from) reads and records them;
- nobody else: a scoped grant that cannot prescribe, a caregiver who only sees the treatments, a share-link
  holder. To them an allergy route is a 404, as for a patient they do not know.
The access policy (access/) answers each question; this module only narrows its answer to the above.
"""

from django.http import Http404

from access import policy
from access.models import AccessPath
from access.policy import DENIED, Access, Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from health_records.models import HealthRecord, RecordKind
from health_records.selectors import patient_get_for_user
from treatments.models import Allergy, Treatment

WHOLE_FILE_PATHS = (AccessPath.OWNER, AccessPath.GUARDIAN, AccessPath.CAREGIVER, AccessPath.GRANT, AccessPath.EMERGENCY)


def _may_prescribe(patient, access: Access) -> bool:
    if access.treatments is None:
        return True
    if policy.treatments_in_scope(access, Treatment.objects.filter(patient=patient)).exists():
        return True
    prescriptions = HealthRecord.objects.filter(patient=patient, kind=RecordKind.PRESCRIPTION)
    return access.records is not None and prescriptions.filter(access.records).exists()


def allergy_access(actor, patient, action: Action = Action.VIEW) -> Access:
    """The policy's answer for `action` on the patient's allergies, narrowed as the module says."""
    access = policy.decide(actor, action, patient)
    if not access or access.path not in WHOLE_FILE_PATHS:
        return DENIED
    if access.whole_file:
        return access
    if access.grant is not None and access.can(Action.CREATE) and _may_prescribe(patient, access):
        return access
    return DENIED


def allergies_of(patient):
    """The patient's allergies in force, for the safety checks and pages that already checked access."""
    return Allergy.objects.filter(patient=patient, removed_at__isnull=True).select_related("recorded_by")


def allergies_for_user(*, user, patient_id, request=None):
    """The patient, the access and their allergies in force, with the access event; 404 without access."""
    patient, _access = patient_get_for_user(user=user, public_id=patient_id)
    access = allergy_access(user, patient)
    if not access:
        raise Http404
    audit.record(
        actor=user,
        patient=patient,
        object_type=ObjectType.ALLERGY,
        object_id=None,
        action=AuditAction.LIST,
        access=access,
        request=request,
    )
    return patient, access, allergies_of(patient)


def allergy_for_user(*, user, public_id, action: Action = Action.UPDATE) -> Allergy:
    allergy = Allergy.objects.select_related("patient").filter(public_id=public_id, removed_at__isnull=True).first()
    if allergy is None or not allergy_access(user, allergy.patient, action):
        raise Http404
    return allergy


def emergency_allergies(*, patient) -> list[Allergy]:
    """The allergies the patient chose to show on their emergency page: its caller checked the Heart-Code
    and wrote the access event. Who recorded them is not shown there: not read either."""
    return list(allergies_of(patient).filter(on_emergency_profile=True).select_related(None))

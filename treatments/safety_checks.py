"""The safety checks (treatments/safety/, the engine) where medications are written and shown.

The rule the services follow: a blocking warning (an allergy) stops a professional who adds, changes or
confirms a medication until they confirm it with a reason (a `SafetyOverride` per warning, audited); the
patient, or someone acting for them (a guardian, a caregiver managing the file), is never stopped from
recording what they take: the medication is saved, the warning shown, and the medication reads "to be
confirmed by a professional" until one confirms it. Warnings that do not block never stop anybody.
Pages compute the warnings of many medications with one `check_for_patient` call.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from access.models import AccessPath
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from treatments import safety
from treatments.models import Medication, SafetyOverride
from treatments.safety import Candidate, SafetyWarning, check_for_patient

REASON_MAX_LENGTH = 500
CONFIRMATION_REQUIRED = "safety_confirmation_required"
# Who records for the patient: never stopped by a warning.
PATIENT_SIDE = (AccessPath.OWNER, AccessPath.GUARDIAN, AccessPath.CAREGIVER)


class SafetyConfirmationRequired(ValidationError):
    """A professional must confirm, with a reason, a medication that has blocking warnings. `extra` goes into
    the API's error body (relyfe.api_errors) as `warnings`."""

    def __init__(self, warnings: list[SafetyWarning]):
        self.warnings = warnings
        self.extra = {"warnings": [as_dict(warning, overridden=False) for warning in warnings]}
        sentence = _("Confirm with a reason to go on despite this warning: %(warnings)s") % {
            "warnings": " ".join(warning.message for warning in warnings)
        }
        super().__init__(sentence, code=CONFIRMATION_REQUIRED)


def as_dict(warning: SafetyWarning, *, overridden: bool) -> dict:
    return {**warning.as_dict(), "overridden": overridden}


def acts_for_patient(access) -> bool:
    return access.path in PATIENT_SIDE


def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX_LENGTH}, code="safety_reason"
        )
    return reason


def warnings_for_values(patient, values: dict, *, excluding: tuple[int, ...] = ()) -> list[SafetyWarning]:
    """The warnings of a medication about to be written (the values `medication_add` takes)."""
    return check_for_patient(patient, [Candidate.from_values(values, ref="new")], excluding=excluding).get("new", [])


def warnings_of(medication: Medication) -> list[SafetyWarning]:
    return safety.warnings_of(medication)


def unanswered_blocking(warnings: list[SafetyWarning], medication: Medication | None = None) -> list[SafetyWarning]:
    """The blocking warnings no professional confirmed yet for `medication` (all of them for a new one)."""
    answered = set()
    if medication is not None and medication.pk is not None:
        answered = set(SafetyOverride.objects.filter(medication=medication).values_list("code", "key"))
    return [warning for warning in warnings if warning.blocking and (str(warning.code), warning.key) not in answered]


def require_confirmation(*, access, blocking: list[SafetyWarning], reason: str) -> None:
    """Stops a professional who gave no reason for blocking warnings; never the patient's side."""
    if blocking and not acts_for_patient(access) and not reason:
        raise SafetyConfirmationRequired(blocking)


def overrides_record(
    *, actor, medication: Medication, blocking: list[SafetyWarning], reason: str, access, request=None
) -> list[SafetyOverride]:
    """A professional's confirmation of each blocking warning, with their reason, in the access log."""
    if not blocking or not reason or acts_for_patient(access):
        return []
    overrides = []
    for warning in blocking:
        override = SafetyOverride(
            medication=medication, code=str(warning.code), key=warning.key, reason=reason, confirmed_by=actor
        )
        override.full_clean()
        override.save()
        audit.record(
            actor=actor,
            patient=medication.treatment.patient,
            object_type=ObjectType.SAFETY_OVERRIDE,
            object_id=override.public_id,
            action=AuditAction.CREATE,
            access=access,
            request=request,
        )
        overrides.append(override)
    return overrides


@dataclass(frozen=True)
class ShownWarning:
    warning: SafetyWarning
    override: SafetyOverride | None

    @property
    def to_confirm(self) -> bool:
        """Blocking and not confirmed by a professional yet."""
        return self.warning.blocking and self.override is None

    def as_dict(self) -> dict:
        return as_dict(self.warning, overridden=self.override is not None)


def shown_warnings(patient, medications) -> dict[int, list[ShownWarning]]:
    """The warnings of `medications` (the patient's, in force), each with its confirmation if any: one
    check for all of them (checked among themselves and against the patient's other current medications),
    one query for the confirmations."""
    medications = [medication for medication in medications if medication.stopped_at is None]
    if not medications:
        return {}
    found = check_for_patient(
        patient,
        [Candidate.from_medication(medication) for medication in medications],
        excluding=[medication.pk for medication in medications],
    )
    overrides = {
        (override.medication_id, override.code, override.key): override
        for override in SafetyOverride.objects.filter(medication__in=medications).select_related("confirmed_by")
    }
    return {
        medication.pk: [
            ShownWarning(warning, overrides.get((medication.pk, str(warning.code), warning.key)))
            for warning in found.get(str(medication.public_id), [])
        ]
        for medication in medications
    }


def attach_warnings(patient, medications) -> list[Medication]:
    """Sets `medication.safety` (a list of `ShownWarning`) on each medication, for the templates; returns
    the medications with at least one warning."""
    medications = list(medications)
    shown = shown_warnings(patient, medications)
    for medication in medications:
        medication.safety = shown.get(medication.pk, [])
        medication.to_confirm = any(item.to_confirm for item in medication.safety)
    return [medication for medication in medications if medication.safety]

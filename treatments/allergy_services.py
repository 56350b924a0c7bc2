"""Writes of allergies: recorded by the patient, a guardian or caregiver managing the file, or a professional
who may prescribe for the patient (see `treatments.allergy_selectors` for who); removed, never deleted.
Each writes its access event, and the patient hears of what someone else recorded."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.services import notify_patient_of_change
from treatments import lexicon
from treatments.allergy_selectors import allergy_access
from treatments.models import Allergy, DrugClass

NAME_AN_ALLERGEN = gettext_lazy("Name a substance or choose a class of drugs.")


def substance_named(text: str) -> str:
    """The lexicon's substance for what the person typed: a substance ("amoxicilline"), a drug's brand or
    name ("Clamoxyl") gives its substances; anything else is kept as typed, in capitals as the lexicon
    writes substances."""
    folded = lexicon.fold(text)
    if not folded:
        return ""
    for drug in lexicon.search(text, limit=20):
        if folded in (lexicon.fold(drug.substances), lexicon.fold(drug.brand), lexicon.fold(drug.name)):
            return drug.substances
    return text.strip().upper()


@transaction.atomic
def allergy_add(
    *,
    actor,
    patient,
    label: str = "",
    substance: str = "",
    drug_class: str = "",
    kind: str = Allergy.Kind.ALLERGY,
    reaction: str = "",
    severity: str = Allergy.Severity.UNKNOWN,
    on_emergency_profile: bool = True,
    request=None,
) -> Allergy:
    """An allergy or intolerance to a class of drugs (`drug_class`), or else to a substance (`substance`,
    as typed: mapped to the lexicon's name). `label` is what the person wrote, shown as is."""
    access = allergy_access(actor, patient, Action.CREATE)
    if not access:
        raise PermissionDenied
    if drug_class and drug_class not in DrugClass.values:
        raise ValidationError(_("Unknown class of drugs."), code="drug_class")
    substance = "" if drug_class else substance_named(substance)
    if not drug_class and not substance:
        raise ValidationError(NAME_AN_ALLERGEN, code="allergen")
    allergy = Allergy(
        patient=patient,
        kind=kind,
        substance=substance,
        drug_class=drug_class,
        label=(label or "").strip() or (DrugClass(drug_class).label if drug_class else substance.capitalize()),
        reaction=reaction,
        severity=severity,
        on_emergency_profile=on_emergency_profile,
        recorded_by=actor,
    )
    allergy.full_clean()
    allergy.save()
    _changed(actor, allergy, access, AuditAction.CREATE, request, gettext_noop("%(name)s recorded an allergy."))
    return allergy


@transaction.atomic
def allergy_remove(*, actor, allergy: Allergy, request=None) -> Allergy:
    """Removing it again changes nothing."""
    access = allergy_access(actor, allergy.patient, Action.UPDATE)
    if not access:
        raise PermissionDenied
    if Allergy.objects.filter(pk=allergy.pk, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=actor
    ):
        _changed(actor, allergy, access, AuditAction.ARCHIVE, request, gettext_noop("%(name)s removed an allergy."))
    allergy.refresh_from_db()
    return allergy


def _changed(actor, allergy: Allergy, access, action, request, text: str) -> None:
    audit.record(
        actor=actor,
        patient=allergy.patient,
        object_type=ObjectType.ALLERGY,
        object_id=allergy.public_id,
        action=action,
        access=access,
        request=request,
    )
    notify_patient_of_change(
        actor=actor,
        patient=allergy.patient,
        text=text,
        url=reverse("treatments:allergies", args=[allergy.patient.public_id]),
    )

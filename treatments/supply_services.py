"""Writes of renewals and stock: the dispensings the patient records ("I got it at the pharmacy") and the
requests to the prescriber to renew a treatment. Each checks the policy and writes the access event; the
prescriber and the patient are told in words that carry no health detail."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access import policy
from access.models import AccessPath
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from notifications.models import Event
from notifications.services import notify_translated
from treatments import supply
from treatments.models import Dispensing, Medication, RenewalRequest, Treatment, TreatmentStatus, patient_today
from treatments.supply_selectors import ASKS_FOR_THE_PATIENT
from treatments.units import unit_for_dose

RENEWAL_ASKED = gettext_noop("%(name)s asks you to renew a treatment.")
RENEWAL_DONE = gettext_noop("%(name)s renewed your treatment.")
RENEWAL_DECLINED = gettext_noop("%(name)s declined to renew your treatment.")


@transaction.atomic
def dispensing_record(
    *,
    actor,
    medication: Medication,
    dispensed_on: datetime.date,
    boxes: int = 1,
    units: Decimal | None = None,
    is_renewal: bool = False,
    request=None,
) -> Dispensing:
    """The pharmacy gave the medication: its units are the boxes times the pack size unless entered."""
    treatment = medication.treatment
    access = policy.require(actor, Action.UPDATE, treatment.patient, treatment=treatment)
    if dispensed_on > patient_today(treatment.patient):
        raise ValidationError(_("A dispensing cannot be in the future."), code="future")
    if is_renewal and supply.renewals_used(medication) >= medication.renewals:
        raise ValidationError(_("The prescription allows no more renewals."), code="no_renewal_left")
    if units is None and medication.pack_size:
        units = Decimal(boxes * medication.pack_size)
    dispensing = Dispensing(
        medication=medication,
        dispensed_on=dispensed_on,
        boxes=boxes,
        units=units,
        is_renewal=is_renewal,
        recorded_by=actor,
    )
    dispensing.full_clean()
    dispensing.save()
    audit.record(
        actor=actor,
        patient=treatment.patient,
        object_type=ObjectType.DISPENSING,
        object_id=dispensing.public_id,
        action=AuditAction.CREATE,
        access=access,
        request=request,
    )
    return dispensing


def _asking_access(actor, treatment: Treatment):
    access = policy.decide(actor, Action.UPDATE, treatment.patient, treatment=treatment)
    if not access or access.path not in ASKS_FOR_THE_PATIENT:
        raise PermissionDenied
    return access


@transaction.atomic
def renewal_request_create(*, actor, treatment: Treatment, request=None) -> RenewalRequest:
    """To a prescriber who is a member: a request they see and answer, with a notification that names the
    patient and nothing of the treatment. To one who is not: a message the patient sends them."""
    access = _asking_access(actor, treatment)
    if treatment.status in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
        raise ValidationError(_("This treatment is over: it cannot be renewed."), code="over")
    if treatment.prescriber_id is None and not treatment.prescriber_name:
        raise ValidationError(_("Say who prescribed this treatment first."), code="no_prescriber")
    if treatment.renewal_requests.filter(status=RenewalRequest.Status.SENT).exists():
        raise ValidationError(_("A renewal of this treatment is already asked."), code="already_asked")
    renewal_request = RenewalRequest(
        treatment=treatment,
        prescriber=treatment.prescriber,
        status=RenewalRequest.Status.SENT if treatment.prescriber_id else RenewalRequest.Status.PREPARED,
        message=renewal_message(treatment),
        requested_by=actor,
    )
    renewal_request.full_clean()
    renewal_request.save()
    audit.record(
        actor=actor,
        patient=treatment.patient,
        object_type=ObjectType.RENEWAL_REQUEST,
        object_id=renewal_request.public_id,
        action=AuditAction.CREATE,
        access=access,
        request=request,
    )
    if treatment.prescriber_id:
        notify_translated(
            recipient=treatment.prescriber,
            event=Event.RENEWAL_REQUEST,
            text=RENEWAL_ASKED,
            params={"name": treatment.patient.full_name},
            url=reverse("treatments:renewal_requests"),
            actor=actor,
        )
    return renewal_request


def renewal_message(treatment: Treatment) -> str:
    """The message to the prescriber, in the site's language (French): the treatment, its medications and
    doses, and the renewals the prescription allowed."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("Hello,"),
            "",
            _("Could you renew my treatment “%(title)s”, started on %(date)s?")
            % {"title": treatment.title, "date": date_format(treatment.start_date, "j F Y")},
            "",
        ]
        for medication in treatment.medications.all():
            if medication.stopped_at is not None:
                continue
            line = f"- {named_dose(medication)}, {_when(medication)}"
            if medication.renewals:
                line += " — " + _("%(used)s of %(allowed)s renewals used") % {
                    "used": supply.renewals_used(medication),
                    "allowed": medication.renewals,
                }
            lines.append(line)
        lines += ["", _("Thank you."), treatment.patient.full_name]
    return "\n".join(lines)


def named_dose(medication: Medication) -> str:
    dose = Decimal(medication.dose).normalize()  # "2", not "2.00" as the column stores it
    return f"{medication.name} ({dose:f} {unit_for_dose(medication.dose_unit, dose)})"


def _when(medication: Medication) -> str:
    if medication.as_needed:
        return _("as needed")
    labels = {"morning": _("morning"), "noon": _("noon"), "evening": _("evening"), "bedtime": _("bedtime")}
    return ", ".join([labels[moment] for moment in medication.moments] + list(medication.times))


@transaction.atomic
def renewal_request_answer(*, actor, renewal_request: RenewalRequest, renewed: bool, request=None) -> RenewalRequest:
    """The prescriber the request was sent to renews or declines; the patient is told."""
    renewal_request = (
        RenewalRequest.objects.select_for_update().select_related("treatment__patient").get(pk=renewal_request.pk)
    )
    if renewal_request.prescriber_id is None or renewal_request.prescriber_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if renewal_request.status != RenewalRequest.Status.SENT:
        raise ValidationError(_("This request is already answered."), code="answered")
    renewal_request.status = RenewalRequest.Status.DONE if renewed else RenewalRequest.Status.DECLINED
    renewal_request.answered_at = timezone.now()
    renewal_request.save(update_fields=["status", "answered_at"])
    treatment = renewal_request.treatment
    # The patient addressed the request to this prescriber: logged through their grant when they have one.
    access = policy.decide(actor, Action.VIEW, treatment.patient, treatment=treatment)
    audit.record(
        actor=actor,
        patient=treatment.patient,
        object_type=ObjectType.RENEWAL_REQUEST,
        object_id=renewal_request.public_id,
        action=AuditAction.UPDATE,
        access=access if access else AccessPath.GRANT,
        request=request,
    )
    notify_translated(
        recipient=treatment.patient,
        event=Event.SUPPLY,
        text=RENEWAL_DONE if renewed else RENEWAL_DECLINED,
        params={"name": actor.full_name},
        url=reverse("treatments:detail", args=[treatment.public_id]),
        actor=actor,
    )
    return renewal_request

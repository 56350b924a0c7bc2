"""Writes of labs: a person's confirmation of a lab report's values turns them into observations."""

import datetime
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.policy import Action
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from labs import analytes
from labs.models import LabReading, Observation

MAX_OBSERVATIONS = 100
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(text: str) -> Decimal:
    """A number as a person types it or a report prints it: "6,8", "6.8", "1 250,5". ValidationError else."""
    compact = re.sub(r"[\s\u00a0\u202f]", "", str(text))
    if len(compact) > 30 or not _NUMBER.match(compact):
        raise ValidationError(_("Enter a number, such as 6,8 or 6.8."), code="not_a_number")
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the pattern lets only numbers through
        raise ValidationError(_("Enter a number, such as 6,8 or 6.8."), code="not_a_number") from error


def known_units(loinc: str) -> list[str]:
    """The units a table analyte is reported in (its own first); [] for an analyte outside the table."""
    analyte = analytes.get(loinc)
    return [analyte.unit, *analyte.conversions] if analyte else []


def unit_is_known(loinc: str, unit: str) -> bool:
    """Whether `unit` is one of the analyte's (any unit is, for an analyte outside the table)."""
    units = known_units(loinc)
    return not units or analytes.unit_spelling(unit) in units


def derived_flag(value: Decimal, comparator: str, low: Decimal | None, high: Decimal | None) -> str:
    """H or L when the value is out of its reference range, "" when it is within or cannot be told ("< 5"
    against a range up to 4 may be either)."""
    below_only = comparator in ("<", "<=")
    above_only = comparator in (">", ">=")
    if high is not None and not below_only and (value > high or (comparator == ">" and value >= high)):
        return Observation.Flag.HIGH
    if low is not None and not above_only and (value < low or (comparator == "<" and value <= low)):
        return Observation.Flag.LOW
    return Observation.Flag.NONE


def _unified(analyte, value: Decimal, unit: str) -> Decimal | None:
    """The value in the analyte's own unit, to the four decimals an observation keeps."""
    unified = analytes.to_unit(analyte, value, unit) if analyte else None
    return None if unified is None else unified.quantize(Decimal("0.0001"))


def patient_today(patient) -> datetime.date:
    """Today where the patient is, whoever confirms."""
    return timezone.now().astimezone(ZoneInfo(patient.time_zone)).date()


@transaction.atomic
def lab_reading_confirm(
    *,
    actor,
    reading: LabReading,
    sampled_on: datetime.date,
    laboratory: str,
    observations: list[dict],
    request=None,
) -> list[Observation]:
    """Creates the observations of a lab report from what the person reviewed (their corrections, removals and
    additions). Each dict: loinc ("" for an analyte outside the table), label, comparator, value, unit,
    reference_low, reference_high (Decimal or None), flag (None: derived from the range), source_line.
    A reading is confirmed once; a second confirmation is refused."""
    reading = LabReading.objects.select_for_update().select_related("record__patient").get(pk=reading.pk)
    record = reading.record
    access = policy.require(actor, Action.CREATE, record.patient, record=record)
    if reading.status == LabReading.Status.CONFIRMED:
        raise ValidationError(_("These lab results were confirmed already."), code="confirmed")
    if reading.status != LabReading.Status.READY:
        raise ValidationError(_("These lab results are not ready to confirm."), code="not_ready")
    if not observations:
        raise ValidationError(_("Keep or add at least one value."), code="empty")
    if len(observations) > MAX_OBSERVATIONS:
        raise ValidationError(_("A report has at most %(count)s values.") % {"count": MAX_OBSERVATIONS}, code="many")
    if sampled_on > patient_today(record.patient):
        raise ValidationError({"sampled_on": _("The sample date cannot be in the future.")}, code="future")
    created = []
    for values in observations:
        observation = _observation(values, actor=actor, reading=reading, sampled_on=sampled_on, laboratory=laboratory)
        observation.full_clean()
        observation.save()
        created.append(observation)
    audit.record(
        actor=actor,
        patient=record.patient,
        object_type=ObjectType.HEALTH_RECORD,
        object_id=record.public_id,
        action=AuditAction.UPDATE,
        access=access,
        request=request,
    )
    reading.status, reading.confirmed_at, reading.confirmed_by = LabReading.Status.CONFIRMED, timezone.now(), actor
    reading.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    return created


def _observation(values: dict, *, actor, reading: LabReading, sampled_on, laboratory: str) -> Observation:
    loinc = values.get("loinc") or ""
    analyte = analytes.get(loinc)
    if loinc and analyte is None:
        raise ValidationError({"loinc": _("This analyte is not one ReLyfe knows.")}, code="unknown_analyte")
    value = values["value"]
    low, high = values.get("reference_low"), values.get("reference_high")
    if low is not None and high is not None and low > high:
        raise ValidationError(
            {"reference_low": _("The low end of the range is above its high end.")}, code="range_order"
        )
    unit = analytes.unit_spelling(values.get("unit") or "")
    comparator = values.get("comparator") or ""
    flag = values.get("flag")
    return Observation(
        patient=reading.record.patient,
        record=reading.record,
        reading=reading,
        loinc=loinc,
        label=(values.get("label") or "").strip() or (analyte.name if analyte else ""),
        comparator=comparator,
        value=value,
        unit=unit,
        unified_value=_unified(analyte, value, unit),
        reference_low=low,
        reference_high=high,
        flag=derived_flag(value, comparator, low, high) if flag is None else flag,
        sampled_on=sampled_on,
        laboratory=(laboratory or "").strip(),
        source_line=(values.get("source_line") or "")[:500],
        created_by=actor,
    )

"""The patient's file as a FHIR R4 Bundle (fhir.resources' R4B classes: FHIR 4.3, the R4 resources).

The mapping, which the import reads back (keep the two in step):
- a Bundle of type "collection"; each entry's fullUrl is "urn:uuid:<public_id>" (for what has no public id
  of its own, an allergy line, a medication's statement: a UUID5 derived from its owner's public id, the
  same at each export); references between entries are those fullUrls;
- identifiers: system "https://relyfe.fr/fhir/<kind>" (patient, record, file, treatment, medication, grant,
  share-link, face-consent, comment), value the public id;
- Patient: name, telecom, gender, birthDate, communication (language), generalPractitioner (display: the
  treating doctor of the emergency profile);
- DocumentReference per record: status "current", type (system ".../record-kind", code the RecordKind),
  date = the record's clinical date at 00:00 UTC (context.period.start holds the bare date), description =
  the title, category = the tags (system ".../record-tag"), author (display), content[] one per file:
  attachment {contentType, title (the original name), size, hash (SHA-1, base64), creation, url}. The url
  is the file's path in the ZIP ("files/<file public_id>/<name>") or its API download URL. The record's
  description, body site and archive date are extensions ".../StructureDefinition/record-description",
  "record-body-site", "record-archived-at" (valueString / valueDateTime);
- MedicationRequest per medication: intent "order", status (active, on-hold, completed, stopped),
  a second identifier (system ".../eprescription", value the identifier of its QR code) when the treatment
  comes from an e-prescription (the import keeps it when it has an identifier's form), groupIdentifier (system
  ".../treatment"), medicationCodeableConcept {text, coding CIS}, authoredOn,
  requester (display), dosageInstruction: text, timing.repeat {when MORN/NOON/EVE/NIGHT, timeOfDay,
  dayOfWeek, boundsPeriod}, asNeededBoolean, doseAndRate.doseQuantity. boundsPeriod is always given (a
  medication has a start date); boundsDuration is never written but the import may meet it elsewhere. A
  medication written in a zone of a two-zone prescription (ordonnance bizone) has the extension
  ".../StructureDefinition/prescription-zone" (valueCode "ald" or "other"), which the import does not read;
- MedicationStatement per medication: status, effectivePeriod, basedOn its MedicationRequest, a note
  counting the doses the patient marked taken and skipped ("taken: 12, skipped: 1"), no extension;
- emergency profile: AllergyIntolerance per allergy (the text split on lines, ";" and ","), Condition per
  condition, RelatedPerson per emergency contact line, Observation for the blood group (LOINC 882-1) and
  one per other filled field (code system ".../emergency-profile", code the field name, valueString);
- Observation per lab value (labs.Observation) of an exported record: status "final", category "laboratory"
  (system observation-category), code {coding LOINC + display (the analyte's English name), text (the
  report's label)}, valueQuantity {value, comparator, unit as written, system UCUM + code when the unit has
  one (`ucum_code`: "mUI/L" is "m[IU]/L")}, referenceRange {low, high} in the same unit, interpretation H/L
  (v3-ObservationInterpretation), effectiveDateTime (the sample's date), performer (display: the
  laboratory), derivedFrom the record's DocumentReference; identifier system ".../observation";
- Consent per grant, share link and face consent (category ".../consent-kind": grant, share-link,
  face-identification); provision {type permit, period, actor, action (permission), data (chosen records)};
  status "active" or "inactive" (revoked, expired, withdrawn);
- AuditEvent per access-log row: type (system ".../access-action", code the action), recorded, agent (who,
  network address, type = access path), entity (object type and id);
- Communication per comment everyone sees: about its DocumentReference, inResponseTo its parent, sent,
  sender (display), payload contentString; a deleted or hidden comment is "entered-in-error" without text.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle

from access.models import Scope
from health_records.models import RecordKind
from labs import analytes
from treatments.models import Moment, TreatmentStatus
from treatments.units import unit_for_dose

if TYPE_CHECKING:
    from access.models import Grant
    from audit.models import AccessEvent
    from comments.models import Comment
    from faces.models import FaceConsent
    from health_records.models import HealthRecord, RecordFile
    from labs.models import Observation
    from portability.export_selectors import ExportData
    from sharing.models import EmergencyProfile, ShareLink
    from treatments.models import Medication, Treatment

SYSTEM = "https://relyfe.fr/fhir"
STRUCTURE = f"{SYSTEM}/StructureDefinition"
CIS_SYSTEM = "https://smt.esante.gouv.fr/terminologie-cis"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
# Moments of the day as FHIR's event timings (bedtime is NIGHT, as the import expects).
MOMENT_TIMING = {Moment.MORNING: "MORN", Moment.NOON: "NOON", Moment.EVENING: "EVE", Moment.BEDTIME: "NIGHT"}
WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Emergency-profile fields written as Observations with their own code (allergies, conditions, contacts,
# blood group and treating doctor have resources of their own).
EMERGENCY_OBSERVED_FIELDS = ["treatments", "medical_devices", "advance_directives", "organ_donation", "note"]
AUDIT_CRUD = {
    "list": "R",
    "view": "R",
    "download": "R",
    "create": "C",
    "update": "U",
    "archive": "U",
    "restore": "U",
    "share": "E",
    "export": "E",
    "revoke": "U",
    "break_glass": "E",
    "identify": "E",
}
# The identity behind the UUID5s of what has no public id.
_DERIVED = uuid.UUID("6f1c2a52-3c1e-4f57-9a3b-0e2f3b7d9a11")

FileUrl = Callable[["RecordFile"], str]


class FileDigest(NamedTuple):
    """What was read of a stored file: its SHA-1 digest and its size in bytes."""

    sha1: bytes
    size: int


def identifier(kind: str, public_id: uuid.UUID | str) -> dict:
    return {"system": f"{SYSTEM}/{kind}", "value": str(public_id)}


def urn(public_id: uuid.UUID | str) -> str:
    return f"urn:uuid:{public_id}"


def derived_id(owner: uuid.UUID | str, name: str) -> uuid.UUID:
    """A stable id for what has none of its own: the same owner and name give the same UUID at each export."""
    return uuid.uuid5(_DERIVED, f"{owner}/{name}")


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def _day(value: datetime.date) -> str:
    return value.isoformat()


def _ref(public_id: uuid.UUID | str, display: str = "") -> dict:
    reference: dict[str, Any] = {"reference": urn(public_id)}
    if display:
        reference["display"] = display
    return reference


def _display(value: str) -> dict:
    return {"display": value} if value else {}


def _lines(text: str, *, commas: bool = False) -> list[str]:
    separators = r"[\n;,]" if commas else r"[\n;]"
    return [part.strip(" \t\r-•") for part in re.split(separators, text or "") if part.strip(" \t\r-•")]


def sha1_base64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


# --- The patient -------------------------------------------------------------------------------------------

GENDERS = {"female": "female", "male": "male", "other": "other", "unspecified": "unknown"}


def patient_resource(patient, emergency_profile: EmergencyProfile | None) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [identifier("patient", patient.public_id)],
        "active": patient.is_active,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}, "preferred": True}
        ],
    }
    telecom = []
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "mobile"})
    if telecom:
        resource["telecom"] = telecom
    profile = getattr(patient, "patient_profile", None)
    if profile is not None:
        resource["gender"] = GENDERS.get(profile.sex, "unknown")
        if profile.birth_date:
            resource["birthDate"] = _day(profile.birth_date)
        elif profile.approximate_birth_year:
            resource["birthDate"] = str(profile.approximate_birth_year)
    if emergency_profile is not None and emergency_profile.treating_doctor:
        resource["generalPractitioner"] = [{"display": emergency_profile.treating_doctor}]
    return resource


# --- Records and their files -------------------------------------------------------------------------------


def attachment(record_file: RecordFile, *, url: str, digest: FileDigest) -> dict:
    return {
        "contentType": record_file.content_type,
        "title": record_file.original_name,
        "size": digest.size,
        "hash": sha1_base64(digest.sha1),
        "creation": _instant(record_file.uploaded_at),
        "url": url,
    }


def document_reference(record: HealthRecord, patient, *, file_url: FileUrl, hashes: dict[int, FileDigest]) -> dict:
    kind = RecordKind(record.kind)
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [identifier("record", record.public_id)],
        "status": "current",
        "type": {
            "coding": [{"system": f"{SYSTEM}/record-kind", "code": kind.value, "display": str(kind.label)}],
            "text": str(kind.label),
        },
        "subject": _ref(patient.public_id, patient.full_name),
        "date": f"{_day(record.clinical_date)}T00:00:00+00:00",
        "author": [{"display": record.author.full_name}] if record.author.full_name else [],
        "description": record.title,
        "context": {"period": {"start": _day(record.clinical_date)}},
        "content": [
            {
                "attachment": attachment(record_file, url=file_url(record_file), digest=hashes[record_file.pk]),
            }
            for record_file in record.files.all()
        ],
    }
    if not resource["author"]:
        del resource["author"]
    tags = [tag.name for tag in record.tags.all()]
    if tags:
        resource["category"] = [
            {"coding": [{"system": f"{SYSTEM}/record-tag", "code": name}], "text": name} for name in tags
        ]
    extensions = []
    if record.description:
        extensions.append({"url": f"{STRUCTURE}/record-description", "valueString": record.description})
    if record.body_site:
        extensions.append({"url": f"{STRUCTURE}/record-body-site", "valueString": record.body_site})
    if record.archived_at:
        extensions.append({"url": f"{STRUCTURE}/record-archived-at", "valueDateTime": _instant(record.archived_at)})
    if extensions:
        resource["extension"] = extensions
    if not resource["content"]:
        # FHIR wants at least one content: a record without a file says so, with no data.
        resource["content"] = [{"attachment": {"title": record.title, "contentType": "text/plain"}}]
    return resource


# --- Treatments --------------------------------------------------------------------------------------------


def medication_status(medication: Medication, treatment: Treatment, today: datetime.date) -> str:
    """FHIR's MedicationRequest status from the treatment's status on `today` and the medication's stop."""
    if medication.stopped_at is not None:
        return "stopped"
    status = treatment.status_on(today)
    if status == TreatmentStatus.STOPPED:
        return "stopped"
    if status == TreatmentStatus.FINISHED or (medication.end_date is not None and medication.end_date < today):
        return "completed"
    if status == TreatmentStatus.PAUSED:
        return "on-hold"
    return "active"


STATEMENT_STATUS = {"active": "active", "on-hold": "on-hold", "completed": "completed", "stopped": "stopped"}


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def posology_text(medication: Medication) -> str:
    """The posology in words, as the patient's pages show it: dose, moments or times, days, instructions."""
    parts = [f"{_number(medication.dose)} {unit_for_dose(medication.dose_unit, medication.dose)}"]
    moments = [str(Moment(moment).label).lower() for moment in medication.moments]
    if moments:
        parts.append(", ".join(moments))
    if medication.times:
        parts.append(", ".join(medication.times))
    if medication.weekdays:
        from treatments.models import WEEKDAYS

        names = dict(WEEKDAYS)
        parts.append(", ".join(str(names[day]).lower() for day in medication.weekdays))
    if medication.as_needed:
        parts.append(_("as needed"))
    if medication.instructions:
        parts.append(medication.instructions)
    return " — ".join(parts)


def medication_concept(medication: Medication) -> dict:
    concept: dict[str, Any] = {"text": medication.name}
    if medication.cis:
        concept["coding"] = [{"system": CIS_SYSTEM, "code": medication.cis, "display": medication.name}]
    return concept


def dosage(medication: Medication) -> dict:
    repeat: dict[str, Any] = {}
    when = [MOMENT_TIMING[Moment(moment)] for moment in medication.moments]
    if when:
        repeat["when"] = when
    if medication.times:
        repeat["timeOfDay"] = [f"{time}:00" if len(time) == 5 else time for time in medication.times]
    if medication.weekdays:
        repeat["dayOfWeek"] = [WEEKDAY_CODES[day] for day in medication.weekdays]
    bounds = {"start": _day(medication.start_date)}
    if medication.end_date:
        bounds["end"] = _day(medication.end_date)
    repeat["boundsPeriod"] = bounds
    instruction: dict[str, Any] = {
        "text": posology_text(medication),
        "timing": {"repeat": repeat},
        "asNeededBoolean": medication.as_needed,
        "doseAndRate": [{"doseQuantity": {"value": _number(medication.dose), "unit": medication.dose_unit}}],
    }
    if medication.instructions:
        instruction["patientInstruction"] = medication.instructions
    return instruction


def medication_request(medication: Medication, treatment: Treatment, patient, today: datetime.date) -> dict:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": [identifier("medication", medication.public_id)],
        "groupIdentifier": identifier("treatment", treatment.public_id),
        "status": medication_status(medication, treatment, today),
        "intent": "order",
        "medicationCodeableConcept": medication_concept(medication),
        "subject": _ref(patient.public_id, patient.full_name),
        "authoredOn": _instant(medication.created_at),
        "note": [{"text": treatment.title}],
        "dosageInstruction": [dosage(medication)],
    }
    if treatment.eprescription_id:
        # The prescription's own identifier, as its QR code gives it: not a public id of ReLyfe's.
        resource["identifier"].append({"system": f"{SYSTEM}/eprescription", "value": treatment.eprescription_id})
    if treatment.prescriber_display:
        resource["requester"] = {"display": treatment.prescriber_display}
    if treatment.prescription is not None:
        resource["supportingInformation"] = [_ref(treatment.prescription.public_id)]
    if medication.zone:
        resource["extension"] = [{"url": f"{STRUCTURE}/prescription-zone", "valueCode": medication.zone}]
    return resource


def medication_statement(
    medication: Medication, treatment: Treatment, patient, today: datetime.date, answers: dict[str, int]
) -> dict:
    period = {"start": _day(medication.start_date)}
    end = medication.end_date or (medication.stopped_at.date() if medication.stopped_at else None)
    if end:
        period["end"] = _day(end)
    taken, skipped = answers.get("taken", 0), answers.get("skipped", 0)
    return {
        "resourceType": "MedicationStatement",
        "identifier": [identifier("medication-statement", medication.public_id)],
        "basedOn": [_ref(medication.public_id)],
        "status": STATEMENT_STATUS[medication_status(medication, treatment, today)],
        "medicationCodeableConcept": medication_concept(medication),
        "subject": _ref(patient.public_id, patient.full_name),
        "effectivePeriod": period,
        "dateAsserted": _instant(timezone.now()),
        "note": [
            {"text": _("Doses marked taken: %(taken)s, skipped: %(skipped)s") % {"taken": taken, "skipped": skipped}}
        ],
    }


# --- Lab results ----------------------------------------------------------------------------------------------

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
INTERPRETATIONS = {"H": "High", "L": "Low"}
# The units French laboratories print, as UCUM writes them; a unit not here is exported as text only.
UCUM_CODES = {
    "%": "%",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "mg/L": "mg/L",
    "mg/dL": "mg/dL",
    "µg/L": "ug/L",
    "ng/mL": "ng/mL",
    "pg/mL": "pg/mL",
    "mmol/L": "mmol/L",
    "µmol/L": "umol/L",
    "nmol/L": "nmol/L",
    "pmol/L": "pmol/L",
    "UI/L": "[IU]/L",
    "mUI/L": "m[IU]/L",
    "UI/mL": "[IU]/mL",
    "mUI/mL": "m[IU]/mL",
    "G/L": "10*9/L",
    "T/L": "10*12/L",
    "fL": "fL",
    "pg": "pg",
    "mm/h": "mm/h",
    "s": "s",
    "mL/min/1.73m²": "mL/min/{1.73_m2}",
    "mL/min/1,73m²": "mL/min/{1.73_m2}",
}


# Each unit as written and as labs.analytes.unit_spelling writes it ("umol/l" and "µmol/L" are one unit). The
# units as written come last, so that they win: unit_spelling reads "G/L" (10⁹ cells) as "g/L" (grams).
_UCUM_BY_SPELLING = {analytes.unit_spelling(unit): code for unit, code in UCUM_CODES.items()} | UCUM_CODES


def ucum_code(unit: str) -> str | None:
    """The UCUM code of a unit as a French report prints it ("mUI/L" is "m[IU]/L"); None when unknown."""
    if not unit:
        return None
    return _UCUM_BY_SPELLING.get(unit) or _UCUM_BY_SPELLING.get(analytes.unit_spelling(unit))


def _quantity(value: Decimal, unit: str, comparator: str = "") -> dict:
    quantity: dict[str, Any] = {"value": _number(value)}
    if comparator:
        quantity["comparator"] = comparator
    if unit:
        quantity["unit"] = unit
        code = ucum_code(unit)
        if code is not None:
            quantity["system"] = UCUM
            quantity["code"] = code
    return quantity


def observation_resource(observation: Observation, patient) -> dict:
    analyte = analytes.get(observation.loinc) if observation.loinc else None
    code: dict[str, Any] = {"text": observation.label}
    if observation.loinc:
        code["coding"] = [{"system": LOINC, "code": observation.loinc, **_display(analyte.name_en if analyte else "")}]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [identifier("observation", observation.public_id)],
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory"}]}],
        "code": code,
        "subject": _ref(patient.public_id, patient.full_name),
        "effectiveDateTime": _day(observation.sampled_on),
        "valueQuantity": _quantity(observation.value, observation.unit, observation.comparator),
        "derivedFrom": [_ref(observation.record.public_id)],
    }
    reference_range = {
        name: _quantity(bound, observation.unit)
        for name, bound in (("low", observation.reference_low), ("high", observation.reference_high))
        if bound is not None
    }
    if reference_range:
        resource["referenceRange"] = [reference_range]
    if observation.flag in INTERPRETATIONS:
        resource["interpretation"] = [
            {
                "coding": [
                    {
                        "system": INTERPRETATION,
                        "code": observation.flag,
                        "display": INTERPRETATIONS[observation.flag],
                    }
                ]
            }
        ]
    if observation.laboratory:
        resource["performer"] = [{"display": observation.laboratory}]
    return resource


# --- The emergency profile ---------------------------------------------------------------------------------


def emergency_resources(profile: EmergencyProfile, patient) -> list[tuple[uuid.UUID, dict]]:
    owner = patient.public_id
    subject = _ref(owner, patient.full_name)
    resources: list[tuple[uuid.UUID, dict]] = []
    for number, allergy in enumerate(_lines(profile.allergies, commas=True)):
        resources.append(
            (
                derived_id(owner, f"allergy/{number}"),
                {
                    "resourceType": "AllergyIntolerance",
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                "code": "active",
                            }
                        ]
                    },
                    "code": {"text": allergy},
                    "patient": subject,
                },
            )
        )
    for number, condition in enumerate(_lines(profile.conditions)):
        resources.append(
            (
                derived_id(owner, f"condition/{number}"),
                {
                    "resourceType": "Condition",
                    "clinicalStatus": {
                        "coding": [
                            {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
                        ]
                    },
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                    "code": "problem-list-item",
                                }
                            ]
                        }
                    ],
                    "code": {"text": condition},
                    "subject": subject,
                },
            )
        )
    for number, contact in enumerate(_lines(profile.emergency_contacts)):
        resources.append(
            (
                derived_id(owner, f"contact/{number}"),
                {
                    "resourceType": "RelatedPerson",
                    "patient": subject,
                    "relationship": [
                        {
                            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}],
                            "text": _("Emergency contact"),
                        }
                    ],
                    "name": [{"text": contact}],
                },
            )
        )
    if profile.blood_group:
        resources.append(
            (
                derived_id(owner, "blood-group"),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {
                        "coding": [{"system": LOINC, "code": "882-1", "display": "ABO and Rh group [Type] in Blood"}],
                        "text": _("Blood group"),
                    },
                    "subject": subject,
                    "valueCodeableConcept": {"text": profile.blood_group},
                },
            )
        )
    for name in EMERGENCY_OBSERVED_FIELDS:
        value = getattr(profile, name)
        if not value:
            continue
        if name == "organ_donation":
            value = str(profile.get_organ_donation_display())
        label = str(getattr(profile._meta.get_field(name), "verbose_name", name))
        resources.append(
            (
                derived_id(owner, f"emergency/{name}"),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": f"{SYSTEM}/emergency-profile", "code": name}], "text": label},
                    "subject": subject,
                    "valueString": value,
                },
            )
        )
    return resources


# --- Consents: grants, share links, face identification ----------------------------------------------------


def _consent(*, kind: str, kind_display: str, public_id, patient, active: bool, when, provision: dict) -> dict:
    return {
        "resourceType": "Consent",
        "identifier": [identifier(kind, public_id)],
        "status": "active" if active else "inactive",
        "scope": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]
        },
        "category": [
            {"coding": [{"system": LOINC, "code": "59284-0"}]},
            {"coding": [{"system": f"{SYSTEM}/consent-kind", "code": kind}], "text": kind_display},
        ],
        "patient": _ref(patient.public_id, patient.full_name),
        "dateTime": _instant(when),
        "performer": [_ref(patient.public_id, patient.full_name)],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": provision,
    }


def _period(start, end) -> dict:
    period = {"start": _instant(start)}
    if end is not None:
        period["end"] = _instant(end)
    return period


def _recipient(display: str, kind: str = "", public_id=None) -> dict:
    reference: dict[str, Any] = {"display": display or "—"}
    if public_id is not None:
        reference["identifier"] = identifier(kind, public_id)
    return {
        "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]},
        "reference": reference,
    }


def grant_consent(grant: Grant, patient) -> dict:
    end = grant.revoked_at or grant.ends_at
    codes = [{"coding": [{"system": f"{SYSTEM}/grant-scope", "code": grant.scope}]}]
    if grant.scope == Scope.KINDS:
        codes += [{"coding": [{"system": f"{SYSTEM}/record-kind", "code": kind}]} for kind in grant.kinds]
    provision: dict[str, Any] = {
        "type": "permit",
        "period": _period(grant.starts_at, end),
        "actor": [_recipient(grant.professional.full_name, "professional", grant.professional.public_id)],
        "action": [{"coding": [{"system": f"{SYSTEM}/grant-permission", "code": grant.permission}]}],
        "code": codes,
    }
    if grant.scope == Scope.RECORDS:
        provision["data"] = [
            {"meaning": "related", "reference": _ref(record.public_id)} for record in grant.records.all()
        ]
    return _consent(
        kind="grant",
        kind_display=_("Access given to a professional"),
        public_id=grant.public_id,
        patient=patient,
        active=grant.is_active,
        when=grant.starts_at,
        provision=provision,
    )


def share_link_consent(link: ShareLink, patient) -> dict:
    actions = [{"coding": [{"system": f"{SYSTEM}/grant-permission", "code": "read"}]}]
    if link.allow_comments:
        actions = [{"coding": [{"system": f"{SYSTEM}/grant-permission", "code": "comment"}]}]
    provision: dict[str, Any] = {
        "type": "permit",
        "period": _period(link.created_at, link.revoked_at or link.expires_at),
        "actor": [_recipient(link.label or link.recipient_email)],
        "action": actions,
    }
    records = [{"meaning": "related", "reference": _ref(record.public_id)} for record in link.records.all()]
    if records:
        provision["data"] = records
    return _consent(
        kind="share-link",
        kind_display=_("Share link"),
        public_id=link.public_id,
        patient=patient,
        active=link.is_usable,
        when=link.created_at,
        provision=provision,
    )


def face_consent(consent: FaceConsent, patient) -> dict:
    resource = _consent(
        kind="face-consent",
        kind_display=_("Consent to face identification"),
        public_id=consent.public_id,
        patient=patient,
        active=consent.is_active,
        when=consent.given_at,
        provision={"type": "permit", "period": _period(consent.given_at, consent.withdrawn_at)},
    )
    resource["category"][1]["coding"][0]["code"] = "face-identification"
    resource["policy"] = [{"uri": f"https://relyfe.fr/consent/face-identification/{consent.text_version}"}]
    return resource


# --- The access log and the comments -----------------------------------------------------------------------


def audit_event(event: AccessEvent, patient) -> dict:
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": f"{SYSTEM}/access-path", "code": event.access_path}]},
        "who": {"display": event.who or "—"},
        "requestor": True,
    }
    if event.actor is not None:
        agent["who"]["identifier"] = identifier("user", event.actor.public_id)
    if event.ip_address:
        agent["network"] = {"address": event.ip_address, "type": "2"}
    entity: dict[str, Any] = {
        "type": {"system": f"{SYSTEM}/access-object", "code": event.object_type},
        "description": str(event.get_object_type_display()),
    }
    if event.object_id:
        entity["what"] = {"identifier": identifier(event.object_type.replace("_", "-"), event.object_id)}
    return {
        "resourceType": "AuditEvent",
        "type": {"system": f"{SYSTEM}/access-action", "code": event.action, "display": event.what},
        "action": AUDIT_CRUD.get(event.action, "E"),
        "recorded": _instant(event.at),
        "agent": [agent],
        "source": {"observer": {"display": "ReLyfe"}},
        "entity": [entity, {"what": _ref(patient.public_id, patient.full_name)}],
    }


def communication(comment: Comment, patient) -> dict:
    removed = comment.is_deleted or comment.is_hidden
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [identifier("comment", comment.public_id)],
        "status": "entered-in-error" if removed else "completed",
        "subject": _ref(patient.public_id, patient.full_name),
        "about": [_ref(comment.record.public_id)],
        "sent": _instant(comment.created_at),
        "sender": {"display": comment.author_label},
    }
    if comment.parent is not None:
        resource["inResponseTo"] = [_ref(comment.parent.public_id)]
    if not removed and comment.text:
        resource["payload"] = [{"contentString": comment.text}]
    return resource


# --- The bundle --------------------------------------------------------------------------------------------


def bundle_dict(data: ExportData, *, file_url: FileUrl, hashes: dict[int, FileDigest]) -> dict:
    """The Bundle as a dict of JSON types. `hashes` holds what was read of each file, by its pk (the caller
    read the files: into the ZIP, or only to hash them)."""
    patient = data.patient
    today = timezone.now().date()
    entries: list[tuple[uuid.UUID, dict]] = [(patient.public_id, patient_resource(patient, data.emergency_profile))]
    entries += [
        (record.public_id, document_reference(record, patient, file_url=file_url, hashes=hashes))
        for record in data.records
    ]
    for treatment in data.treatments:
        for medication in treatment.medications.all():
            entries.append((medication.public_id, medication_request(medication, treatment, patient, today)))
            entries.append(
                (
                    derived_id(medication.public_id, "statement"),
                    medication_statement(
                        medication, treatment, patient, today, data.dose_answers.get(medication.pk, {})
                    ),
                )
            )
    entries += [(item.public_id, observation_resource(item, patient)) for item in data.observations]
    if data.emergency_profile is not None:
        entries += emergency_resources(data.emergency_profile, patient)
    entries += [(grant.public_id, grant_consent(grant, patient)) for grant in data.grants]
    entries += [(link.public_id, share_link_consent(link, patient)) for link in data.share_links]
    entries += [(consent.public_id, face_consent(consent, patient)) for consent in data.face_consents]
    entries += [(event.public_id, audit_event(event, patient)) for event in data.access_events]
    entries += [(comment.public_id, communication(comment, patient)) for comment in data.comments]
    return {
        "resourceType": "Bundle",
        "identifier": {"system": f"{SYSTEM}/export", "value": str(uuid.uuid4())},
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": urn(public_id), "resource": resource} for public_id, resource in entries],
    }


def validated(bundle: dict) -> Bundle:
    """The Bundle as fhir.resources reads it: raises pydantic's ValidationError when it is not valid FHIR."""
    return Bundle.model_validate(bundle)

"""Reading a FHIR R4 Bundle (or the export's ZIP: bundle.json + files/…) into a proposal: the records,
treatments and allergies ReLyfe would create, for the patient to review. Pure: no database, no network.

The Bundle is validated with the fhir.resources R4B classes, but only the resources ReLyfe imports are: a
portal's Observation or Encounter that this release of the classes would refuse does not make the whole
file refused; it is counted among "not imported". Files are not checked here: the caller sends each
attachment's bytes through the upload checks.
"""

import base64
import binascii
import datetime
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as PydanticValidationError

from documents.eprescription import as_identifier
from health_records.models import RecordKind

RECORD_KIND_SYSTEM = "https://relyfe.fr/fhir/record-kind"
CIS_SYSTEM = "https://smt.esante.gouv.fr/terminologie-cis"
LOINC_SYSTEM = "http://loinc.org"
TREATMENT_GROUP_SUFFIX = "/treatment"
EPRESCRIPTION_SUFFIX = "/eprescription"
BUNDLE_TYPES = {"collection", "document", "searchset", "transaction", "batch", "transaction-response"}
IMPORTED_TYPES = {"DocumentReference", "MedicationRequest", "MedicationStatement", "AllergyIntolerance", "Medication"}
BUNDLE_NAME_IN_ZIP = "bundle.json"
ZIP_MAGIC = b"PK\x03\x04"

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ENTRIES = 5000
DEFAULT_MAX_ZIP_MEMBERS = 2000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
DEFAULT_MAX_ZIP_RATIO = 100

# The kinds of record a LOINC document type means.
LOINC_KINDS = {
    "57833-6": "prescription",
    "11502-2": "lab_result",
    "26436-6": "lab_result",
    "18748-4": "imaging",
    "18782-3": "imaging",
    "11488-4": "medical_report",
    "34133-9": "medical_report",
    "11506-3": "medical_report",
    "18842-5": "hospital_stay",
    "11369-6": "vaccination",
    "87273-9": "vaccination",
    "48765-2": "allergy",
    "11450-4": "condition",
    "28570-0": "surgery",
    "11504-8": "surgery",
    "72170-4": "photo",
    "34109-9": "note",
}
# Words of a document's type or title, in French and English, and the kind they mean (first match wins).
KIND_WORDS = [
    (("ordonnance", "prescription"), "prescription"),
    (("biolog", "laboratoire", "laboratory", "analyse", "lab "), "lab_result"),
    (("radio", "imagerie", "imaging", "irm", "mri", "scanner", "échograph", "echograph"), "imaging"),
    (("vaccin", "immuniz"), "vaccination"),
    (("allerg",), "allergy"),
    (("chirurg", "opératoire", "surgery", "operative"), "surgery"),
    (("hospitalisation", "séjour", "sortie", "discharge"), "hospital_stay"),
    (("photo",), "photo"),
    (("compte rendu", "compte-rendu", "report", "consultation"), "medical_report"),
    (("note",), "note"),
]

# timing.repeat.when codes (EventTiming) and the moment of the day each one is.
WHEN_MOMENTS = {
    "MORN": ["morning"],
    "MORN.early": ["morning"],
    "MORN.late": ["morning"],
    "WAKE": ["morning"],
    "ACM": ["morning"],
    "CM": ["morning"],
    "PCM": ["morning"],
    "NOON": ["noon"],
    "ACD": ["noon"],
    "CD": ["noon"],
    "PCD": ["noon"],
    "AFT": ["noon"],
    "AFT.early": ["noon"],
    "AFT.late": ["noon"],
    "EVE": ["evening"],
    "EVE.early": ["evening"],
    "EVE.late": ["evening"],
    "ACV": ["evening"],
    "CV": ["evening"],
    "PCV": ["evening"],
    "NIGHT": ["bedtime"],
    "HS": ["bedtime"],
    "PHS": ["bedtime"],
    "AC": ["morning", "noon", "evening"],
    "C": ["morning", "noon", "evening"],
    "PC": ["morning", "noon", "evening"],
}
# "n times a day" without a moment: the usual moments of n intakes.
DAILY_FREQUENCY_MOMENTS = {
    1: ["morning"],
    2: ["morning", "evening"],
    3: ["morning", "noon", "evening"],
    4: ["morning", "noon", "evening", "bedtime"],
}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
DURATION_DAYS = {"d": 1, "wk": 7, "mo": 30, "a": 365}
MOMENTS = ["morning", "noon", "evening", "bedtime"]


class ImportRefused(ValidationError):
    """A file that cannot be imported; the message says why, in words the patient can act on."""


@dataclass
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_entries: int = DEFAULT_MAX_ENTRIES
    max_zip_members: int = DEFAULT_MAX_ZIP_MEMBERS
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES
    max_zip_ratio: int = DEFAULT_MAX_ZIP_RATIO


def limits() -> Limits:
    return Limits(
        max_bytes=getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES),
        max_entries=getattr(settings, "IMPORT_MAX_ENTRIES", DEFAULT_MAX_ENTRIES),
        max_zip_members=getattr(settings, "IMPORT_MAX_ZIP_MEMBERS", DEFAULT_MAX_ZIP_MEMBERS),
        max_uncompressed_bytes=getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES),
        max_zip_ratio=getattr(settings, "IMPORT_MAX_ZIP_RATIO", DEFAULT_MAX_ZIP_RATIO),
    )


@dataclass
class Attachment:
    """A file a record brings: its bytes (inline or from the ZIP), or why it is not included."""

    name: str
    content: bytes | None = field(default=None, repr=False)
    missing: str = ""


@dataclass
class Reading:
    """What a Bundle holds, ready to become a proposal: JSON-able items, and the attachments by record key."""

    records: list[dict] = field(default_factory=list)
    treatments: list[dict] = field(default_factory=list)
    allergies: list[dict] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    attachments: dict[str, list[Attachment]] = field(default_factory=dict)


# --- The container: JSON or ZIP ---------------------------------------------------------------------------


def is_zip(content: bytes) -> bool:
    return content.startswith(ZIP_MAGIC)


def check_container(content: bytes, *, bounds: Limits | None = None) -> None:
    """The checks made at upload, before anything is stored: size, and for a ZIP its directory (how many
    members, what they unpack to, no path leaving the archive). The JSON itself is read later, by a worker."""
    bounds = bounds or limits()
    if not content:
        raise ImportRefused(_("This file is empty."), code="empty")
    if len(content) > bounds.max_bytes:
        raise ImportRefused(
            _("This file is larger than %(limit)s MB.") % {"limit": bounds.max_bytes // (1024 * 1024)},
            code="too_large",
        )
    if is_zip(content):
        with _open_zip(content) as archive:
            _check_zip_directory(archive, len(content), bounds)


def _open_zip(content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportRefused(_("This ZIP file is damaged and cannot be opened."), code="bad_zip") from error


def _check_zip_directory(archive: zipfile.ZipFile, compressed_size: int, bounds: Limits) -> None:
    members = archive.infolist()
    if len(members) > bounds.max_zip_members:
        raise ImportRefused(
            _("This ZIP file holds more than %(limit)s files.") % {"limit": bounds.max_zip_members},
            code="too_many_files",
        )
    for member in members:
        if not _safe_member_name(member.filename):
            raise ImportRefused(
                _("This ZIP file holds a file outside its own folder (%(name)s): it is not imported.")
                % {"name": member.filename[:100]},
                code="path_traversal",
            )
    declared = sum(member.file_size for member in members)
    if declared > bounds.max_uncompressed_bytes or declared > max(compressed_size, 1) * bounds.max_zip_ratio:
        raise _zip_bomb(bounds)
    if BUNDLE_NAME_IN_ZIP not in {member.filename for member in members}:
        raise ImportRefused(_("This ZIP file has no bundle.json: it is not a ReLyfe or FHIR export."), code="no_bundle")


def _zip_bomb(bounds: Limits) -> ImportRefused:
    return ImportRefused(
        _("This ZIP file unpacks to far more than it weighs (more than %(limit)s MB, or %(ratio)s times its size).")
        % {"limit": bounds.max_uncompressed_bytes // (1024 * 1024), "ratio": bounds.max_zip_ratio},
        code="zip_bomb",
    )


def _safe_member_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in PurePosixPath(name).parts


class _ZipReader:
    """Reads members of a checked ZIP, counting the bytes really unpacked (a directory can lie)."""

    def __init__(self, content: bytes, bounds: Limits):
        self.archive = _open_zip(content)
        self.bounds = bounds
        self.budget = min(bounds.max_uncompressed_bytes, max(len(content), 1) * bounds.max_zip_ratio)
        self.names = {member.filename for member in self.archive.infolist()}

    def read(self, name: str) -> bytes | None:
        if name not in self.names or not _safe_member_name(name):
            return None
        chunks = []
        with self.archive.open(name) as member:
            while chunk := member.read(1024 * 1024):
                self.budget -= len(chunk)
                if self.budget < 0:
                    raise _zip_bomb(self.bounds)
                chunks.append(chunk)
        return b"".join(chunks)


# --- The Bundle -------------------------------------------------------------------------------------------


def read_upload(content: bytes, *, bounds: Limits | None = None) -> Reading:
    """The whole reading of an uploaded file (JSON Bundle or ZIP). Raises ImportRefused with the reason."""
    bounds = bounds or limits()
    check_container(content, bounds=bounds)
    zip_reader = None
    if is_zip(content):
        zip_reader = _ZipReader(content, bounds)
        try:
            bundle_bytes = zip_reader.read(BUNDLE_NAME_IN_ZIP) or b""
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
            raise ImportRefused(_("This ZIP file is damaged and cannot be opened."), code="bad_zip") from error
    else:
        bundle_bytes = content
    data = _parsed_json(bundle_bytes)
    bundle = _validated_bundle(data, bounds)
    return _read_bundle(data, bundle, zip_reader)


def _parsed_json(content: bytes) -> dict:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ImportRefused(
            _("This file is neither a FHIR Bundle in JSON nor a ZIP export: %(error)s") % {"error": str(error)[:200]},
            code="invalid_json",
        ) from error
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        found = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise _not_a_bundle(_("its resourceType is %(found)s, not Bundle") % {"found": str(found)[:60]})
    return data


def _not_a_bundle(reason: str) -> ImportRefused:
    return ImportRefused(
        _("This file is not a valid FHIR R4 Bundle: %(reason)s") % {"reason": reason}, code="invalid_fhir"
    )


def _validated_bundle(data: dict, bounds: Limits) -> Bundle:
    """The Bundle checked with the R4B classes, its entries of resources ReLyfe does not import left out of
    the check (they are only counted)."""
    if data.get("type") not in BUNDLE_TYPES:
        raise _not_a_bundle(_("its type %(type)s is not one of a collection of resources") % {"type": data.get("type")})
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise _not_a_bundle(_("entry is not a list"))
    if len(entries) > bounds.max_entries:
        raise ImportRefused(
            _("This Bundle has more than %(limit)s entries.") % {"limit": bounds.max_entries}, code="too_many_entries"
        )
    checked = dict(data)
    checked["entry"] = [
        entry
        if isinstance(entry, dict) and _resource_type(entry) in IMPORTED_TYPES
        else {"fullUrl": entry.get("fullUrl")}
        if isinstance(entry, dict) and isinstance(entry.get("fullUrl"), str)
        else {}
        for entry in entries
    ]
    try:
        return Bundle.model_validate(checked)
    except PydanticValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise _not_a_bundle(f"{where} : {first.get('msg', '')}"[:300]) from error


def _resource_type(entry: dict) -> str:
    resource = entry.get("resource")
    return str(resource.get("resourceType", "")) if isinstance(resource, dict) else ""


def _read_bundle(data: dict, bundle: Bundle, zip_reader: _ZipReader | None) -> Reading:
    reading = Reading()
    ignored: Counter[str] = Counter()
    medications = {}
    resources: list[Any] = []
    for raw_entry, entry in zip(data.get("entry") or [], bundle.entry or [], strict=True):
        resource_type = _resource_type(raw_entry) if isinstance(raw_entry, dict) else ""
        if resource_type not in IMPORTED_TYPES:
            ignored[resource_type or "?"] += 1
            continue
        resource = entry.resource
        if resource is None:
            continue
        resources.append(resource)
        if resource_type == "Medication":
            for reference in _references_of(entry.fullUrl, resource):
                medications[reference] = resource
    requests = [each for each in resources if each.get_resource_type() == "MedicationRequest"]
    statements = [each for each in resources if each.get_resource_type() == "MedicationStatement"]
    for resource in resources:
        if resource.get_resource_type() == "DocumentReference":
            _read_document(resource, reading, zip_reader)
        elif resource.get_resource_type() == "AllergyIntolerance":
            _read_allergy(resource, reading)
    _read_medications(requests, statements, medications, reading)
    reading.ignored = dict(sorted(ignored.items()))
    return reading


def _references_of(full_url, resource) -> list[str]:
    references = [f"#{resource.id}", f"Medication/{resource.id}"] if resource.id else []
    return [*references, full_url] if full_url else references


def as_date(value) -> datetime.date | None:
    """A FHIR date, dateTime or instant as a day ("2024" and "2024-03" as their first day)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value)
    for size, suffix in ((10, ""), (7, "-01"), (4, "-01-01")):
        try:
            return datetime.date.fromisoformat(text[:size] + suffix)
        except ValueError:
            continue
    return None


def _codings(concept) -> list:
    return list(concept.coding or []) if concept is not None else []


def _concept_text(concept) -> str:
    if concept is None:
        return ""
    if concept.text:
        return concept.text.strip()
    for coding in _codings(concept):
        if coding.display:
            return coding.display.strip()
    return ""


# --- Records ----------------------------------------------------------------------------------------------


def record_kind_of(document) -> str:
    """The record kind: ReLyfe's own code, else a LOINC document type, else words of its type or title."""
    concepts = [document.type, *(document.category or [])]
    for concept in concepts:
        for coding in _codings(concept):
            if coding.system == RECORD_KIND_SYSTEM and coding.code in RecordKind.values:
                return coding.code
    for concept in concepts:
        for coding in _codings(concept):
            if coding.system == LOINC_SYSTEM and coding.code in LOINC_KINDS:
                return LOINC_KINDS[coding.code]
    words = " ".join([*(_concept_text(concept) for concept in concepts), document.description or ""]).casefold()
    for keys, kind in KIND_WORDS:
        if any(key in words for key in keys):
            return kind
    return RecordKind.OTHER


def _read_document(document, reading: Reading, zip_reader: _ZipReader | None) -> None:
    if document.status == "entered-in-error":
        return
    key = f"r{len(reading.records)}"
    clinical_date = as_date(document.date) or (
        as_date(document.context.period.start) if document.context and document.context.period else None
    )
    attachments = [_attachment(content.attachment, index, zip_reader) for index, content in enumerate(document.content)]
    title = (
        (document.description or "").strip()
        or _concept_text(document.type)
        or next((attachment.name for attachment in attachments if attachment.name), "")
        or _("Imported document")
    )
    reading.records.append(
        {
            "key": key,
            "kind": record_kind_of(document),
            "title": title[:200],
            "date": (clinical_date or timezone.localdate()).isoformat(),
            "description": "",
            "files": [],
            "missing_files": [attachment.missing for attachment in attachments if attachment.missing],
        }
    )
    reading.attachments[key] = [attachment for attachment in attachments if attachment.content is not None]


def _attachment(attachment, index: int, zip_reader: _ZipReader | None) -> Attachment:
    name = (attachment.title or "").strip() or (PurePosixPath(attachment.url).name if attachment.url else "")
    name = name or f"document-{index + 1}"
    if attachment.data:
        data = attachment.data
        if isinstance(data, str):
            try:
                data = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                return Attachment(name=name, missing=name)
        return Attachment(name=name, content=data)
    url = (attachment.url or "").strip()
    if url and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) and zip_reader is not None:
        content = zip_reader.read(url.removeprefix("./"))
        if content is not None:
            return Attachment(name=name, content=content)
    # An address elsewhere is never fetched: the import makes no request out.
    return Attachment(name=name, missing=url or name)


# --- Allergies --------------------------------------------------------------------------------------------


def _read_allergy(allergy, reading: Reading) -> None:
    statuses = {coding.code for coding in _codings(allergy.verificationStatus)} | {
        coding.code for coding in _codings(allergy.clinicalStatus)
    }
    if statuses & {"refuted", "entered-in-error", "inactive", "resolved"}:
        return
    text = _concept_text(allergy.code)
    if not text:
        substances = [_concept_text(reaction.substance) for reaction in allergy.reaction or []]
        text = next((substance for substance in substances if substance), "")
    if not text:
        return
    manifestations = [
        _concept_text(manifestation)
        for reaction in allergy.reaction or []
        for manifestation in reaction.manifestation or []
    ]
    manifestations = [each for each in manifestations if each]
    substance = text
    if manifestations:
        text = f"{text} ({', '.join(manifestations)})"
    reading.allergies.append({"key": f"a{len(reading.allergies)}", "text": text[:300], "substance": substance[:300]})


# --- Treatments -------------------------------------------------------------------------------------------


def _group_of_request(request) -> str:
    group = request.groupIdentifier
    if group is not None and group.value and (group.system or "").endswith(TREATMENT_GROUP_SUFFIX):
        return f"group:{group.value}"
    requester = ""
    if request.requester is not None:
        requester = request.requester.display or request.requester.reference or ""
    return f"prescribed:{as_date(request.authoredOn)}:{requester}"


def _read_medications(requests, statements, medications: dict, reading: Reading) -> None:
    groups: dict[str, dict] = {}
    covered_names = set()
    covered_references = set()
    for request in requests:
        if request.status == "entered-in-error":
            continue
        line = _medication_line(
            request.medicationCodeableConcept,
            request.medicationReference,
            request.dosageInstruction or [],
            medications,
            fallback_start=as_date(request.authoredOn),
        )
        if line is None:
            continue
        covered_names.add(line["name"].casefold())
        if request.id:
            covered_references.add(f"MedicationRequest/{request.id}")
        group = groups.setdefault(_group_of_request(request), _new_treatment(request))
        group["medications"].append(line)
    for statement in statements:
        if statement.status in ("entered-in-error", "not-taken"):
            continue
        if any((reference.reference or "") in covered_references for reference in statement.basedOn or []):
            continue
        period = statement.effectivePeriod
        start = as_date(statement.effectiveDateTime) or (as_date(period.start) if period else None)
        line = _medication_line(
            statement.medicationCodeableConcept,
            statement.medicationReference,
            statement.dosage or [],
            medications,
            fallback_start=start,
        )
        if line is None or line["name"].casefold() in covered_names:
            continue
        if period is not None and period.end and not line["end_date"]:
            line["end_date"] = (as_date(period.end) or timezone.localdate()).isoformat()
        source = statement.informationSource.display if statement.informationSource else ""
        group = groups.setdefault(f"statement:{start}:{source}", {"prescriber_name": source or "", "medications": []})
        group["medications"].append(line)
    for index, treatment in enumerate(groups.values()):
        lines = treatment["medications"]
        for number, line in enumerate(lines):
            line["key"] = f"t{index}m{number}"
        starts = [line["start_date"] for line in lines]
        ends = [line["end_date"] for line in lines]
        reading.treatments.append(
            {
                "key": f"t{index}",
                "title": (treatment.get("title") or lines[0]["name"])[:200],
                "prescriber_name": (treatment.get("prescriber_name") or "")[:200],
                "eprescription_id": treatment.get("eprescription_id", ""),
                "start_date": min(starts),
                "end_date": max(ends) if all(ends) else None,
                "medications": lines,
            }
        )


def _new_treatment(request) -> dict:
    reasons = [_concept_text(reason) for reason in request.reasonCode or []]
    notes = [note.text for note in request.note or [] if note.text]
    prescriber = request.requester.display if request.requester is not None else ""
    # Our export's e-prescription identifier, held to what a QR code's would be: it stops the same prescription
    # from being confirmed twice, so nothing else is taken for one.
    eprescriptions = [
        as_identifier(each.value or "")
        for each in request.identifier or []
        if (each.system or "").endswith(EPRESCRIPTION_SUFFIX)
    ]
    return {
        "title": next((reason for reason in reasons if reason), "") or (notes[0] if notes else ""),
        "prescriber_name": prescriber or "",
        "eprescription_id": next((each for each in eprescriptions if each), ""),
        "medications": [],
    }


def _medication_line(concept, reference, dosages: list, medications: dict, *, fallback_start) -> dict | None:
    cis = ""
    if concept is None and reference is not None:
        medication = medications.get(reference.reference or "")
        concept = medication.code if medication is not None else None
        name = _concept_text(concept) or (reference.display or "")
    else:
        name = _concept_text(concept)
    for coding in _codings(concept):
        if coding.system == CIS_SYSTEM and coding.code and re.fullmatch(r"\d{8}", coding.code):
            cis = coding.code
    if not name:
        return None
    line: dict[str, Any] = {
        "name": name[:200],
        "cis": cis,
        "dose": "1",
        "dose_unit": "comprimé",
        **dict.fromkeys(MOMENTS, False),
        "times": [],
        "weekdays": [],
        "as_needed": False,
        "instructions": "",
        "start_date": (fallback_start or timezone.localdate()).isoformat(),
        "end_date": None,
        "unscheduled": False,
    }
    texts: list[str] = []
    for dosage in dosages:
        _apply_dosage(dosage, line)
        texts.extend(text for text in (dosage.text, dosage.patientInstruction) if text)
    line["instructions"] = " ; ".join(dict.fromkeys(texts))[:300]
    if not any(line[moment] for moment in MOMENTS) and not line["times"] and not line["as_needed"]:
        # Nothing says when: never reminded until the patient chooses (the review shows it to check).
        line["as_needed"], line["unscheduled"] = True, True
    return line


def _apply_dosage(dosage, line: dict) -> None:
    if dosage.asNeededBoolean or dosage.asNeededCodeableConcept is not None:
        line["as_needed"] = True
    for dose_and_rate in dosage.doseAndRate or []:
        quantity = dose_and_rate.doseQuantity or (dose_and_rate.doseRange.low if dose_and_rate.doseRange else None)
        if quantity is not None and quantity.value is not None:
            try:
                value = Decimal(str(quantity.value))
            except InvalidOperation:
                continue
            if value > 0:
                line["dose"] = str(value)
                line["dose_unit"] = (quantity.unit or quantity.code or line["dose_unit"])[:40]
            break
    timing = dosage.timing
    repeat = timing.repeat if timing is not None else None
    if repeat is None:
        return
    for code in repeat.when or []:
        for moment in WHEN_MOMENTS.get(code, []):
            line[moment] = True
    for clock in repeat.timeOfDay or []:
        text = clock.strftime("%H:%M") if isinstance(clock, datetime.time) else str(clock)[:5]
        if text not in line["times"]:
            line["times"].append(text)
    line["weekdays"] = sorted({WEEKDAYS[day] for day in repeat.dayOfWeek or [] if day in WEEKDAYS})
    once_a_day_period = (repeat.periodUnit or "d") == "d" and (repeat.period or 1) == 1
    if not repeat.when and not repeat.timeOfDay and repeat.frequency and once_a_day_period:
        for moment in DAILY_FREQUENCY_MOMENTS.get(int(repeat.frequency), []):
            line[moment] = True
    _apply_bounds(repeat, line)


def _apply_bounds(repeat, line: dict) -> None:
    start = datetime.date.fromisoformat(line["start_date"])
    if repeat.boundsPeriod is not None:
        start = as_date(repeat.boundsPeriod.start) or start
        line["start_date"] = start.isoformat()
        end = as_date(repeat.boundsPeriod.end)
        if end is not None and end >= start:
            line["end_date"] = end.isoformat()
    duration = repeat.boundsDuration
    if duration is not None and duration.value and (duration.code or duration.unit) in DURATION_DAYS:
        days = int(Decimal(str(duration.value)) * DURATION_DAYS[duration.code or duration.unit])
        if days >= 1:
            line["end_date"] = (start + datetime.timedelta(days=days - 1)).isoformat()

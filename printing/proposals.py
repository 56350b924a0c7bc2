"""Which patient a printed document is for: ReLyfe reads the job name and the document and proposes the
patient they name, among the patients the professional may add records to. The professional confirms (or
chooses another patient) in the print inbox; nothing is filed on a guess.

The evidence, strongest first:
- relyfe_id: the patient's ReLyfe id (their public id), as the practice software prints it in a footer;
- name_and_birth_date: a patient's full name and their birth date, as on every French prescription;
- job_name: the job name alone names one of the professional's patients by full name, and the document names no other.
Evidence that fits two patients (homonyms) proposes no one. The text and the names are health data: only
job ids and reason codes are logged.
"""

import datetime
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import pypdfium2 as pdfium
from django.core.files.storage import default_storage

from accounts.models import Role, User
from health_records.uploads import PDFIUM_LOCK
from printing.models import PrintJob
from printing.services import print_job_set_proposal
from sharing.models import Grant
from sharing.policy import GRANT_ACTIONS, Action, decide
from treatments.extraction.document import UnreadableDocument
from treatments.extraction.reading import read_document

logger = logging.getLogger(__name__)

# The patient is named on the first page; reading (OCR) every page of a long print would only cost time.
PAGES_READ = 2


class Reason(StrEnum):
    RELYFE_ID = "relyfe_id"
    NAME_AND_BIRTH_DATE = "name_and_birth_date"
    JOB_NAME = "job_name"


@dataclass(frozen=True)
class Proposal:
    patient: User
    reason: Reason


def print_job_propose(*, job: PrintJob) -> Proposal | None:
    """Reads the job's document and stores the patient it names (or clears the proposal)."""
    proposal = propose_patient(professional=job.printer.owner, job_name=job.name, text=_document_text(job))
    print_job_set_proposal(
        job=job,
        patient=proposal.patient if proposal else None,
        reason=proposal.reason.value if proposal else "",
    )
    logger.info("Print job %s: proposal %s", job.pk, proposal.reason.value if proposal else "none")
    return proposal


def propose_patient(*, professional: User, job_name: str, text: str) -> Proposal | None:
    """The one patient of `professional` that the job name and the document's text name, and why."""
    candidates = _candidates(professional)
    if not candidates:
        return None
    document = _Evidence(job_name=job_name, text=text)

    ids = document.relyfe_ids()
    by_id = {candidate.relyfe_id: candidate for candidate in candidates}
    if any(relyfe_id not in by_id for relyfe_id in ids.labelled):
        # The document says whose it is, and it is not one of the professional's patients: a homonym
        # among them must not be proposed instead (and nothing tells whether that id exists).
        return None
    with_id = [by_id[relyfe_id] for relyfe_id in ids.all if relyfe_id in by_id]
    proposal = _unique(professional, with_id, Reason.RELYFE_ID)
    if proposal:
        return proposal

    named = [candidate for candidate in candidates if candidate.is_named_in(document.lines)]
    dates = document.dates()
    with_birth_date = [candidate for candidate in named if candidate.birth_date in dates]
    proposal = _unique(professional, with_birth_date, Reason.NAME_AND_BIRTH_DATE)
    if proposal:
        return proposal

    named_in_job_name = [candidate for candidate in named if candidate.is_named_in(document.job_name_line)]
    if len(named_in_job_name) == 1 and len(named) == 1:
        return _unique(professional, named_in_job_name, Reason.JOB_NAME)
    return None


# --- The professional's patients ------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    patient_id: int
    relyfe_id: str  # 32 hexadecimal digits, lower case
    name_forms: tuple[str, ...]  # " first last " and " last first ", folded
    birth_date: datetime.date | None

    def is_named_in(self, lines: str) -> bool:
        return any(form in lines for form in self.name_forms)


def _candidates(professional: User) -> list[_Candidate]:
    """The patients whose active grant lets the professional add records, in one query: a professional
    may have thousands. The policy still has the last word on the one proposed (`_unique`)."""
    permissions = [permission for permission, actions in GRANT_ACTIONS.items() if Action.CREATE in actions]
    rows = (
        Grant.objects.active()
        .filter(professional=professional, permission__in=permissions, patient__role=Role.PATIENT)
        .values_list(
            "patient_id",
            "patient__public_id",
            "patient__first_name",
            "patient__last_name",
            "patient__patient_profile__birth_date",
        )
    )
    return [
        _Candidate(
            patient_id=patient_id,
            relyfe_id=public_id.hex,
            name_forms=_name_forms(first_name, last_name),
            birth_date=birth_date,
        )
        for patient_id, public_id, first_name, last_name, birth_date in rows
    ]


def _name_forms(first_name: str, last_name: str) -> tuple[str, ...]:
    first, last = _folded_words(first_name), _folded_words(last_name)
    if not first or not last:
        return ()
    # "Marie DUPONT", and the "DUPONT Marie" of French prescriptions.
    return (f" {first} {last} ", f" {last} {first} ")


def _unique(professional: User, matches: list[_Candidate], reason: Reason) -> Proposal | None:
    if len({match.patient_id for match in matches}) != 1:
        return None
    patient = User.objects.filter(pk=matches[0].patient_id).first()
    if patient is None or not decide(professional, Action.CREATE, patient):
        return None
    return Proposal(patient=patient, reason=reason)


# --- Reading the evidence -------------------------------------------------------------------------

# Dashes as they are typed, and as OCR reads them.
_DASH = r"\s*[-\u2010-\u2015]?\s*"
_UUID = re.compile(
    r"(?<![0-9a-f])([0-9a-f]{8})"
    + _DASH
    + r"([0-9a-f]{4})"
    + _DASH
    + r"([0-9a-f]{4})"
    + _DASH
    + r"([0-9a-f]{4})"
    + _DASH
    + r"([0-9a-f]{12})(?![0-9a-f])"
)
_RELYFE_LABEL = re.compile(r"relyfe\W{0,6}(?:id\W{0,6})?$")

_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?!\d)")
_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_WRITTEN_DATE = re.compile(
    r"(?<![0-9a-z])(\d{1,2})(?:er)?\s*(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?\s*(\d{4})(?!\d)"
)


@dataclass(frozen=True)
class _RelyfeIds:
    all: frozenset[str]
    # The ids printed after a "ReLyfe" label: those are patients' ids for sure.
    labelled: frozenset[str]


class _Evidence:
    def __init__(self, *, job_name: str, text: str):
        self.job_name = job_name
        self.text = text
        self.job_name_line = _padded([job_name])
        # The job name is read as one more line of the document; names are not matched across lines.
        self.lines = _padded([job_name, *text.splitlines()])

    def _folded(self) -> str:
        return _without_accents(f"{self.job_name}\n{self.text}").casefold()

    def relyfe_ids(self) -> _RelyfeIds:
        folded = self._folded()
        found, labelled = set(), set()
        for match in _UUID.finditer(folded):
            relyfe_id = "".join(match.groups())
            found.add(relyfe_id)
            if _RELYFE_LABEL.search(folded[max(match.start() - 20, 0) : match.start()].rstrip()):
                labelled.add(relyfe_id)
        return _RelyfeIds(all=frozenset(found), labelled=frozenset(labelled))

    def dates(self) -> set[datetime.date]:
        folded = self._folded()
        found = set()
        for day, _separator, month, year in _NUMERIC_DATE.findall(folded):
            found.add(_date(year, month, day))
        for year, _separator, month, day in _ISO_DATE.findall(folded):
            found.add(_date(year, month, day))
        for day, month_name, year in _WRITTEN_DATE.findall(folded):
            found.add(_date(year, _MONTHS[month_name], day))
        found.discard(None)
        return found


def _date(year, month, day) -> datetime.date | None:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def _folded_words(text: str) -> str:
    """Lower case, no accents, words separated by one space: "Jean-Hélène D'ARC" → "jean helene d arc"."""
    return " ".join(re.findall(r"[^\W_]+", _without_accents(text).casefold()))


def _padded(lines: list[str]) -> str:
    return "\n".join(f" {_folded_words(line)} " for line in lines)


# --- Reading the document -------------------------------------------------------------------------


def _document_text(job: PrintJob) -> str:
    """The text of the job's first document (its first pages), or "" when it cannot be read."""
    document = job.documents.first()
    if document is None:
        return ""
    with default_storage.open(document.file.name, "rb") as file:
        content = file.read()
    if document.content_type == "application/pdf":
        content = _first_pages(content)
    try:
        read = read_document(content, document.content_type)
    except UnreadableDocument:
        logger.info("Print job %s: the document has no readable text", job.pk)
        return ""
    return "\n".join(line.text for line in read.lines)


def _first_pages(content: bytes) -> bytes:
    """The PDF cut to its first pages; as it came when PDFium cannot open it (the reader says why)."""
    with PDFIUM_LOCK:
        try:
            source = pdfium.PdfDocument(content)
        except pdfium.PdfiumError:
            return content
        try:
            if len(source) <= PAGES_READ:
                return content
            first_pages = pdfium.PdfDocument.new()
            try:
                first_pages.import_pages(source, list(range(PAGES_READ)))
                output = io.BytesIO()
                first_pages.save(output)
                return output.getvalue()
            finally:
                first_pages.close()
        finally:
            source.close()

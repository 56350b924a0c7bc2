"""Which patient a printed document is for: ReLyfe reads the document and proposes the patient it names,
among the patients the professional may add records to, with the words of the document that name them.
The professional confirms (or chooses another patient) in the print inbox; nothing is filed on a guess.

Only the document itself identifies a patient, strongest evidence first:
- relyfe_id: the patient's ReLyfe id (their public id), as the practice software prints it in a footer;
- name_and_birth_date: a patient's full name on one line and their birth date, as on every French
  prescription.
Evidence that fits two patients (homonyms) proposes no one; a ReLyfe id printed after a "ReLyfe" label
that is not one of the professional's patients proposes no one either (the document says whose it is).

The job name is typed by whoever printed, often a leftover from the previous patient: it never proposes
anyone and never outweighs the document. At most it is a hint (`patient_named_in_job_name`): when the
document proposed nobody, the job page pre-fills its patient search with the patient the job name names,
and the professional still reads the document and ticks the patient.

The text and the names are health data: only job ids and reason codes are logged. The evidence (the lines
that matched) is stored with the proposal, for the professional alone.
"""

import datetime
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import pypdfium2 as pdfium
from django.core.files.storage import default_storage

from access.policy import Action, patients_for
from accounts.models import User
from documents.reading import read_document
from documents.text import UnreadableDocument
from documents.uploads import PDFIUM_LOCK
from printing.models import PrintJob
from printing.services import print_job_set_proposal

logger = logging.getLogger(__name__)

# The patient is named on the first page; reading (OCR) every page of a long print would only cost time.
PAGES_READ = 2
# Pages of the text given to `propose_patient` are separated by a form feed, as pdftotext does.
PAGE_BREAK = "\f"
# Each quoted line is cut to this length: enough to check a name and a date at a glance.
QUOTE_MAX = 120


class Reason(StrEnum):
    RELYFE_ID = "relyfe_id"
    NAME_AND_BIRTH_DATE = "name_and_birth_date"


@dataclass(frozen=True)
class Evidence:
    """Where the document names the patient: the page (from 1) and its lines that matched, as printed."""

    page: int
    lines: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"page": self.page, "lines": list(self.lines)}


@dataclass(frozen=True)
class Proposal:
    patient: User
    reason: Reason
    evidence: Evidence = field(compare=False)


def print_job_propose(*, job: PrintJob) -> Proposal | None:
    """Reads the job's document and stores the patient it names (or clears the proposal)."""
    proposal = propose_patient(professional=job.printer.owner, text=_document_text(job))
    print_job_set_proposal(
        job=job,
        patient=proposal.patient if proposal else None,
        reason=proposal.reason.value if proposal else "",
        evidence=proposal.evidence.as_dict() if proposal else {},
    )
    logger.info("Print job %s: proposal %s", job.pk, proposal.reason.value if proposal else "none")
    return proposal


def propose_patient(*, professional: User, text: str) -> Proposal | None:
    """The one patient of `professional` that the document's text names, why, and where."""
    candidates = _candidates(professional)
    if not candidates:
        return None
    document = _Document(text)
    ids = document.relyfe_ids()
    if ids.labelled - {candidate.relyfe_id for candidate in candidates}:
        # The document says whose it is, and it is not one of the professional's patients: a homonym
        # among them must not be proposed instead (and nothing tells whether that id exists).
        return None
    return _by_relyfe_id(professional, candidates, document, ids) or _by_name_and_birth_date(
        professional, candidates, document
    )


def patient_named_in_job_name(*, professional: User, job_name: str) -> User | None:
    """The one patient of `professional` whom the job name names (full name or ReLyfe id): a hint for the
    patient search, never a proposal."""
    candidates = _candidates(professional)
    if not candidates:
        return None
    job_name_line = _Document(job_name)
    ids = job_name_line.relyfe_ids().found
    named = [candidate for candidate in candidates if candidate.relyfe_id in ids or job_name_line.names(candidate)]
    return _unique(professional, named)


def _by_relyfe_id(
    professional: User, candidates: list["_Candidate"], document: "_Document", ids: "_RelyfeIds"
) -> Proposal | None:
    by_id = {candidate.relyfe_id: candidate for candidate in candidates}
    with_id = [by_id[relyfe_id] for relyfe_id in ids.found if relyfe_id in by_id]
    patient = _unique(professional, with_id)
    if patient is None:
        return None
    line = ids.found[with_id[0].relyfe_id]
    return Proposal(patient, Reason.RELYFE_ID, document.evidence(line))


def _by_name_and_birth_date(
    professional: User, candidates: list["_Candidate"], document: "_Document"
) -> Proposal | None:
    dates = document.dates()
    found = {}
    for candidate in candidates:
        name_lines = document.names(candidate)
        date_lines = dates.get(candidate.birth_date, [])
        if name_lines and date_lines:
            found[candidate] = _closest(name_lines, date_lines)
    patient = _unique(professional, list(found))
    if patient is None:
        return None
    return Proposal(patient, Reason.NAME_AND_BIRTH_DATE, document.evidence(*next(iter(found.values()))))


def _closest(name_lines: list[int], date_lines: list[int]) -> tuple[int, ...]:
    """The name's line and the birth date's line nearest to it (one line when the date is on it)."""
    name_line, date_line = min(
        ((name, date) for name in name_lines for date in date_lines), key=lambda pair: abs(pair[0] - pair[1])
    )
    return (name_line,) if name_line == date_line else tuple(sorted({name_line, date_line}))


# --- The professional's patients ------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    patient_id: int
    relyfe_id: str  # 32 hexadecimal digits, lower case
    name_forms: tuple[str, ...]  # " first last " and " last first ", folded
    birth_date: datetime.date | None


def _candidates(professional: User) -> list[_Candidate]:
    """The patients the policy lets the professional add records for, in one query: a professional may
    have thousands."""
    rows = patients_for(professional, Action.CREATE).values_list(
        "pk", "public_id", "first_name", "last_name", "patient_profile__birth_date"
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


def _unique(professional: User, matches: list[_Candidate]) -> User | None:
    """The patient when the matches are all one patient the policy lets the professional add to."""
    if len({match.patient_id for match in matches}) != 1:
        return None
    return patients_for(professional, Action.CREATE).filter(pk=matches[0].patient_id).first()


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
    # Each id printed, with the index of the line where it is first printed.
    found: dict[str, int]
    # The ids printed after a "ReLyfe" label: those are patients' ids for sure.
    labelled: frozenset[str]


class _Document:
    """The text read line by line, each line with its page, as printed and folded for matching."""

    def __init__(self, text: str):
        self.lines = [
            (page_number, line)
            for page_number, page in enumerate(text.split(PAGE_BREAK), start=1)
            for line in page.splitlines()
        ]
        self.folded = [_without_accents(line).casefold() for _page, line in self.lines]
        # Names are matched as whole words on one line, never across lines.
        self.padded = [f" {_folded_words(line)} " for _page, line in self.lines]
        self._all_padded = "\n".join(self.padded)

    def names(self, candidate: _Candidate) -> list[int]:
        """The lines that name the candidate (first and last name, in either order)."""
        if not any(form in self._all_padded for form in candidate.name_forms):
            return []
        return [index for index, line in enumerate(self.padded) if any(form in line for form in candidate.name_forms)]

    def relyfe_ids(self) -> _RelyfeIds:
        folded = "\n".join(self.folded)
        found, labelled = {}, set()
        for match in _UUID.finditer(folded):
            relyfe_id = "".join(match.groups())
            found.setdefault(relyfe_id, folded.count("\n", 0, match.start()))
            if _RELYFE_LABEL.search(folded[max(match.start() - 20, 0) : match.start()].rstrip()):
                labelled.add(relyfe_id)
        return _RelyfeIds(found=found, labelled=frozenset(labelled))

    def dates(self) -> dict[datetime.date, list[int]]:
        """Every date printed, with the lines it is printed on."""
        found: dict[datetime.date, list[int]] = {}
        for index, line in enumerate(self.folded):
            dates = {_date(year, month, day) for day, _separator, month, year in _NUMERIC_DATE.findall(line)}
            dates |= {_date(year, month, day) for year, _separator, month, day in _ISO_DATE.findall(line)}
            dates |= {_date(year, _MONTHS[month], day) for day, month, year in _WRITTEN_DATE.findall(line)}
            for date in dates - {None}:
                found.setdefault(date, []).append(index)
        return found

    def evidence(self, *line_indexes: int) -> Evidence:
        """The page of the first line, and the lines as printed (cut to QUOTE_MAX characters)."""
        return Evidence(
            page=self.lines[line_indexes[0]][0],
            lines=tuple(" ".join(self.lines[index][1].split())[:QUOTE_MAX] for index in line_indexes),
        )


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
    """The text of the job's first document (its first pages, separated by PAGE_BREAK), or "" when it
    cannot be read."""
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
    return PAGE_BREAK.join("\n".join(line.text for line in page.lines) for page in read.pages)


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

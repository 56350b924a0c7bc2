"""Reads of the virtual printer: a professional's print inbox, the history of what they did with it, and
the patients they may file a printed document for.

A printed document is the professional's until they assign it, so reading the inbox writes no access
event. Patients appear here only when the access policy lets the professional add to their file: a
proposal for a patient whose grant was revoked since is not shown. A proposal is shown only with the
document's own evidence (printing.proposals): one stored by an older version from the job name alone is not.
"""

import functools
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from access.policy import Action, decide, patients_for
from accounts.models import Role, User
from health_records.models import HealthRecord
from printing.models import JobState, PrintDocument, Printer, PrintJob
from printing.proposals import patient_named_in_job_name
from sharing import selectors as sharing

INBOX_LIMIT = 100
RECENT_JOBS = 20
RECENT_PATIENTS = 6
PATIENT_CHOICES = 10
# A search scans at most this many of the professional's patients, each asked to the policy.
PATIENTS_SCANNED = 50

# The reasons the proposer (printing.proposals) gives, as the professional reads them: without the
# evidence, then with the page and the document's words that matched.
PROPOSAL_REASONS = {
    "relyfe_id": _("The document shows this patient's ReLyfe id."),
    "name_and_birth_date": _("The document shows this patient's name and birth date."),
}
PROPOSAL_EVIDENCE = {
    "relyfe_id": _("ReLyfe id found on page %(page)s: “%(quote)s”"),
    "name_and_birth_date": _("Name and birth date found on page %(page)s: “%(quote)s”"),
}
# Programs name a print job after its file: "Ordonnance Dupont.pdf", "Microsoft Word - Ordonnance.docx".
_PROGRAM_PREFIX = re.compile(r"^(Microsoft (Word|Excel) - )", re.IGNORECASE)
_FILE_EXTENSION = re.compile(r"\.(pdf|docx?|odt|rtf|txt|jpe?g|png|tiff?)$", re.IGNORECASE)


def _professional(user) -> User:
    if not user.is_authenticated or not user.is_professional:
        raise Http404
    return user


def may_add_to(user, patient) -> bool:
    return bool(decide(user, Action.CREATE, patient))


@dataclass(frozen=True)
class Proposal:
    patient: User
    reason: str
    evidence: dict

    @property
    def reason_text(self) -> str:
        """Why this patient, quoting the document: "Name and birth date found on page 1: “…”"."""
        lines = self.evidence.get("lines") if isinstance(self.evidence, dict) else None
        if not lines:
            return str(PROPOSAL_REASONS[self.reason])
        quote = " … ".join(str(line) for line in lines)
        return PROPOSAL_EVIDENCE[self.reason] % {"page": self.evidence.get("page", 1), "quote": quote}


def suggested_title(job: PrintJob) -> str:
    """The record's title the job name suggests, without the program's name and the file's extension."""
    return _FILE_EXTENSION.sub("", _PROGRAM_PREFIX.sub("", job.name.strip())).strip()


def _with_proposals(user, jobs: list[PrintJob]) -> list[PrintJob]:
    """Sets `job.proposal` (a Proposal or None) on each job: the proposed patient, if still allowed (the
    policy asked once for all the jobs); and `job.suggested_title`."""
    proposed = {job.proposed_patient_id for job in jobs if job.proposed_patient_id is not None}
    allowed = set(patients_for(user, Action.CREATE).filter(pk__in=proposed).values_list("pk", flat=True))
    for job in jobs:
        job.suggested_title = suggested_title(job)
        patient = job.proposed_patient
        shown = patient is not None and patient.pk in allowed and job.proposal_reason in PROPOSAL_REASONS
        job.proposal = Proposal(patient, job.proposal_reason, job.proposal_evidence) if patient and shown else None
    return jobs


def inbox_jobs(*, user) -> list[PrintJob]:
    """The professional's printed documents waiting to be filed, newest first."""
    _professional(user)
    jobs = (
        PrintJob.objects.in_inbox()
        .filter(printer__owner=user)
        .select_related("proposed_patient")
        .prefetch_related("documents")
        .order_by("-created_at", "-id")[:INBOX_LIMIT]
    )
    return _with_proposals(user, list(jobs))


# The inbox's count, in SQL: every page of a professional draws it in the navigation, and the ORM's form of
# PrintJob.objects.in_inbox() (a DISTINCT over a join, counted) took longer to build and to answer.
_INBOX_COUNT = (
    "SELECT COUNT(*) FROM {jobs} job JOIN {printers} printer ON printer.id = job.printer_id"
    " WHERE printer.owner_id = %s AND job.state = %s AND job.assigned_at IS NULL AND job.dismissed_at IS NULL"
    " AND EXISTS (SELECT 1 FROM {documents} document WHERE document.job_id = job.id)"
)


def inbox_count(*, user) -> int:
    """How many jobs PrintJob.objects.in_inbox() holds for `user`: one query, for the navigation."""
    tables = {"jobs": PrintJob._meta.db_table, "printers": Printer._meta.db_table}
    sql = _INBOX_COUNT.format(documents=PrintDocument._meta.db_table, **tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, JobState.COMPLETED.value])
        return cursor.fetchone()[0]


def recent_jobs(*, user, limit: int = RECENT_JOBS) -> list[PrintJob]:
    """What the professional last did with their inbox: assigned (with the record) or dismissed. Sets
    `job.record_shown`: whether the professional still sees the record, so its title and link show."""
    _professional(user)
    jobs = list(
        PrintJob.objects.filter(printer__owner=user)
        .filter(Q(assigned_at__isnull=False) | Q(dismissed_at__isnull=False))
        .select_related("record__patient")
        .order_by(Coalesce("assigned_at", "dismissed_at").desc(), F("id").desc())[:limit]
    )
    visible = {}
    for job in jobs:
        record = job.record
        if record is not None and record.pk not in visible:
            visible[record.pk] = bool(decide(user, Action.VIEW, record.patient, record=record))
        job.record_shown = record is not None and visible[record.pk]
    return jobs


def job_of(*, user, public_id) -> PrintJob:
    """One of the professional's print jobs; 404 for anybody else's."""
    _professional(user)
    job = (
        PrintJob.objects.select_related("printer", "proposed_patient", "record__patient")
        .prefetch_related("documents")
        .filter(public_id=public_id, printer__owner=user)
        .first()
    )
    if job is None:
        raise Http404
    return _with_proposals(user, [job])[0]


def search_hint(*, user, job: PrintJob) -> str:
    """What the job page's patient search starts with: when the document proposed nobody, the name of the
    one patient the job name names (printing.proposals explains why the job name is no more than that)."""
    if job.proposal is not None or not job.name:
        return ""
    patient = patient_named_in_job_name(professional=_professional(user), job_name=job.name)
    return patient.full_name if patient is not None else ""


def is_in_inbox(job: PrintJob) -> bool:
    return PrintJob.objects.in_inbox().filter(pk=job.pk).exists()


def document_of(*, job: PrintJob, public_id) -> PrintDocument:
    document = job.documents.filter(public_id=public_id).first()
    if document is None:
        raise Http404
    return document


# --- Patients to file a document for --------------------------------------------------------------


def _addable(user) -> QuerySet[User]:
    """The active patients the professional may add records for, as the policy answers in one query."""
    return patients_for(user, Action.CREATE).filter(is_active=True)


def patients_matching(*, user, query: str, limit: int = PATIENT_CHOICES) -> list[User]:
    """The professional's patients whose name or e-mail contains every word of the query."""
    _professional(user)
    words = query.split()
    if len(" ".join(words)) < 2:
        return []
    patients = _addable(user)
    for word in words:
        patients = patients.filter(Q(first_name__folded=word) | Q(last_name__folded=word) | Q(email__folded=word))
    return list(patients.select_related("patient_profile").order_by("last_name", "first_name", "pk")[:limit])


def recent_patients(*, user, limit: int = RECENT_PATIENTS) -> list[User]:
    """The patients the professional last added records for (printed documents included), latest first."""
    _professional(user)
    latest = (
        HealthRecord.objects.filter(author=user)
        .values("patient_id")
        .annotate(last=Max("created_at"))
        .order_by("-last", "-patient_id")
    )
    ordered = [row["patient_id"] for row in latest[:PATIENTS_SCANNED]]
    by_id = _addable(user).select_related("patient_profile").in_bulk(ordered)
    return [by_id[pk] for pk in ordered if pk in by_id][:limit]


def patient_to_assign(*, user, public_id) -> User | None:
    """A patient chosen in the form (by public id), or None when it is nobody's."""
    _professional(user)
    return User.objects.filter(public_id=public_id, role=Role.PATIENT, is_active=True).first()


def patient_of_heartcode(text: str) -> User | None:
    """The patient whose Heart-Code was scanned: `text` is the code's URL (…/e/<token>/) or the token."""
    path = text.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    token = path.rsplit("/e/", 1)[-1] if "/e/" in path else path
    if not token or "/" in token:
        return None
    profile = sharing.emergency_profile_by_token(token)
    return profile.patient if profile is not None else None


def print_inbox(request) -> dict:
    """Context processor: the number the navigation shows next to "Print inbox" (one COUNT query, only for
    professionals, and only on a page that draws the menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_professional:
        return {}
    # Asked only by a page that draws the menu, once (the template reads it twice).
    count = functools.cache(lambda: inbox_count(user=user))
    return {"print_inbox_count": count}

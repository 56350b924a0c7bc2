"""Reads for "Download all my data": who may export a patient's file, and everything the export holds.

Who: the patient themself, or a professional whose grant in force is the whole file (break-glass included):
`policy.decide(actor, DOWNLOAD, patient)` with `Access.whole_file`. Anybody else gets a 404, as if the
patient did not exist.

What: what that access reaches, and nothing more (each part follows the policy):
- records (and their files): all of them for the patient, archived ones included; the active ones for a
  professional (the policy hides archived records from grants);
- lab values (observations): those of the exported records;
- treatments, medications and the count of answered doses; the emergency profile (patient-level data of
  the whole file);
- comments: only those everyone who sees the record reads; never the professionals-only ones, whoever
  exports (the export is the patient's data, and may end up in the patient's hands);
- grants, share links, face consents: the owner's only (the policy lets only the owner SHARE);
- the access log: the owner's only (VIEW_ACCESS_LOG), as "Who accessed my data" shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from access import policy
from access.models import Grant
from access.policy import Access, Action
from accounts.models import Role, User
from audit.models import AccessEvent
from audit.selectors import access_events_for_patient
from comments.models import Comment, Visibility
from faces.models import FaceConsent
from health_records.models import HealthRecord, RecordFile
from labs.models import Observation
from portability.export_models import ExportJob
from sharing.models import EmergencyProfile, ShareLink
from treatments.models import Intake, Medication, Treatment

if TYPE_CHECKING:
    from django.db.models import QuerySet


def export_access(*, actor, patient: User) -> Access:
    """The access by which `actor` exports `patient`'s file; 404 unless it is the whole file."""
    access = policy.decide(actor, Action.DOWNLOAD, patient)
    if not access or not access.whole_file:
        raise Http404
    return access


def patient_for_export(*, actor, public_id) -> tuple[User, Access]:
    """The patient `actor` wants to export, by their public id; 404 when none or no whole-file access."""
    patient = User.objects.filter(public_id=public_id, role=Role.PATIENT, is_active=True).first()
    if patient is None:
        raise Http404
    return patient, export_access(actor=actor, patient=patient)


def may_export(*, actor, patient: User) -> bool:
    """Whether the patient's page offers `actor` the "Export the file" button."""
    access = policy.decide(actor, Action.DOWNLOAD, patient)
    return bool(access) and access.whole_file


@dataclass
class ExportData:
    """Everything one export holds, read once through the access it was asked with."""

    patient: User
    access: Access
    records: list[HealthRecord]
    treatments: list[Treatment]
    # Per medication pk: {"taken": n, "skipped": n}
    dose_answers: dict[int, dict[str, int]]
    emergency_profile: EmergencyProfile | None
    comments: list[Comment]
    # The lab values of `records`, oldest first.
    observations: list[Observation] = field(default_factory=list)
    # The patient themself: sharing and the access log are theirs alone.
    is_owner: bool = False
    grants: list[Grant] = field(default_factory=list)
    share_links: list[ShareLink] = field(default_factory=list)
    face_consents: list[FaceConsent] = field(default_factory=list)
    access_events: list[AccessEvent] = field(default_factory=list)

    @property
    def files(self) -> list[RecordFile]:
        return [record_file for record in self.records for record_file in record.files.all()]


def export_data(*, actor, patient: User) -> ExportData:
    """What `actor` exports of `patient`'s file (see the module's docstring); 404 without whole-file access."""
    access = export_access(actor=actor, patient=patient)
    is_owner = access.can(Action.SHARE)
    records: QuerySet[HealthRecord] = HealthRecord.objects.filter(patient=patient)
    if access.records is not None:
        records = records.filter(access.records)
    if not is_owner:
        records = records.filter(archived_at__isnull=True)
    records = records.select_related("author").prefetch_related(
        "tags", Prefetch("files", RecordFile.objects.order_by("uploaded_at", "id"))
    )
    record_list = list(records.order_by("clinical_date", "created_at", "id"))
    treatments = policy.treatments_in_scope(access, Treatment.objects.filter(patient=patient))
    treatment_list = list(
        treatments.select_related("patient", "prescriber", "prescription")
        .prefetch_related(Prefetch("medications", Medication.objects.order_by("id")))
        .order_by("start_date", "id")
    )
    answers = (
        Intake.objects.filter(medication__treatment__in=[treatment.pk for treatment in treatment_list])
        .values("medication_id")
        .annotate(
            taken=Count("pk", filter=Q(status=Intake.Status.TAKEN)),
            skipped=Count("pk", filter=Q(status=Intake.Status.SKIPPED)),
        )
    )
    dose_answers: dict[int, dict[str, int]] = {
        row["medication_id"]: {"taken": row["taken"], "skipped": row["skipped"]} for row in answers
    }
    comments = list(
        Comment.objects.filter(record__in=[record.pk for record in record_list], visibility=Visibility.EVERYONE)
        .select_related("record", "parent")
        .order_by("created_at", "pk")
    )
    observations = list(
        Observation.objects.filter(record__in=[record.pk for record in record_list])
        .select_related("record")
        .order_by("sampled_on", "id")
    )
    data = ExportData(
        patient=patient,
        access=access,
        records=record_list,
        treatments=treatment_list,
        dose_answers=dose_answers,
        emergency_profile=EmergencyProfile.objects.filter(patient=patient).first(),
        comments=comments,
        is_owner=is_owner,
        observations=observations,
    )
    if is_owner:
        data.grants = list(
            Grant.objects.filter(patient=patient).select_related("professional").prefetch_related("records")
        )
        data.share_links = list(ShareLink.objects.filter(patient=patient).prefetch_related("records"))
        data.face_consents = list(FaceConsent.objects.filter(patient=patient))
    if access.can(Action.VIEW_ACCESS_LOG):
        data.access_events = list(access_events_for_patient(user=actor, patient=patient, include_own=True))
    return data


def exports_of(*, actor, patient: User) -> QuerySet[ExportJob]:
    """The exports `actor` asked of `patient`'s file, newest first (only the requester sees theirs)."""
    export_access(actor=actor, patient=patient)
    return ExportJob.objects.filter(patient=patient, requested_by=actor)


def export_job_for(*, actor, public_id) -> ExportJob:
    """One of `actor`'s exports, while they still may export that file; 404 otherwise (someone else's, a
    professional whose grant ended)."""
    job = ExportJob.objects.select_related("patient").filter(public_id=public_id).first()
    if job is None or job.requested_by_id != getattr(actor, "pk", None):
        raise Http404
    export_access(actor=actor, patient=job.patient)
    return job


def export_job_downloadable(*, actor, public_id) -> ExportJob:
    job = export_job_for(actor=actor, public_id=public_id)
    if not job.is_downloadable:
        raise Http404
    return job

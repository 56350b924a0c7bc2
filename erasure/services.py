"""Deleting a patient's account: the request (the patient's, with a grace period, or staff's on the patient's
request), its cancellation, and the erasure itself.

What the erasure removes: the patient's records with their files (originals, thumbnails, copies with the faces
blurred, saved comparisons, print jobs filed to them) from the storage and the database, the comments on those
records (professionals' too: they go with the records), treatments, medications, doses, reminders, prescription
readings, lab results (observations and lab readings), face templates (from their backend too), share links, grants,
access requests, care-team proposals, the emergency profile, notifications, push subscriptions, notification
preferences, second-factor devices, sessions, API tokens, phone codes, the profile.

What it keeps: the access log, for its legal retention (ACCESS_LOG_RETENTION_DAYS), pseudonymised; and the user
row as a tombstone without personal data (no name, address, phone, password; a new random public id), because
the access log's rows point to it (a PROTECT foreign key: the log says who accessed a file, and must go on
saying it for its retention) and so may rows of other people's files where the patient acted. The tombstone
cannot sign in (inactive, unusable password) and satisfies the "has a sign-in identifier" constraint as an
unclaimed account with no claim code.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from uuid import uuid4

import django_otp  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Grant
from accounts.models import (
    AccountClaim,
    ApiToken,
    ApiTokenRevocation,
    KnownDevice,
    PatientProfile,
    PendingSignUp,
    PhoneCode,
    SecondFactorEvent,
    User,
    UserSession,
)
from accounts.two_factor import flow, policy
from accounts.two_factor.forms import LOCKED
from audit import services as audit
from comments.models import Comment, CommentRead, CommentRevision
from erasure.models import AccountDeletion
from erasure.notices import Notice, notice_send
from erasure.tasks import account_erase as account_erase_task
from erasure.tasks import deletion_notice_send as deletion_notice_task
from faces import services as faces
from health_records.models import HealthRecord, RecordChange, RecordFile, StagedUpload, Tag
from labs.models import LabReading, Observation
from notifications.models import Notification, NotificationPreference, NotificationSettings, PushSubscription
from portability.models import ExportJob, ImportFile, ImportJob
from printing.models import PrintDocument, PrintJob
from relyfe import outbox
from relyfe.abuse import wait_text
from sharing.models import AccessRequest, CareTeamProposal, EmergencyProfile, ShareLink, SharingSettings
from treatments.models import (
    Intake,
    Medication,
    MissedDoseAlert,
    PrescriptionReading,
    ReminderDispatch,
    ReminderSettings,
    Treatment,
)

logger = logging.getLogger(__name__)

# What the access log and comments say of someone whose account was erased: a key, stored in English (as the
# log's other labels) and shown translated.
ERASED_LABEL = "Deleted account"
SESSION_SCAN_BATCH = 1000
NOTIFICATION_IDS_BATCH = 100


def grace_period() -> timedelta:
    return timedelta(days=settings.ACCOUNT_ERASURE_GRACE_DAYS)


def reminder_before() -> timedelta:
    return timedelta(days=settings.ACCOUNT_ERASURE_REMINDER_DAYS)


# --- Asking, cancelling ---------------------------------------------------------------------------------------


def credentials_check(*, user: User, password: str, code: str) -> None:
    """A sensitive action asks for the password and, when the account has a second factor that gives codes, one
    of them (an authenticator's, a text message's or a recovery code), with the second step's lockout of wrong
    attempts. Raises ValidationError naming the field that failed."""
    if wait := flow.wait_seconds(user):
        raise ValidationError({"code": str(LOCKED) % {"wait": wait_text(wait)}})
    errors = {}
    if not password or not user.check_password(password):
        flow.password_failure(user)
        errors["password"] = _("This is not your password.")
    if policy.has_code_factor(user):
        try:
            if flow.code_check(user, code) is None:
                errors["code"] = _("This code is not valid.")
        except flow.Locked as locked:
            errors["code"] = str(LOCKED) % {"wait": wait_text(locked.wait)}
    if errors:
        raise ValidationError(errors)


def account_deletion_request(*, actor: User, user: User, password: str, code: str = "") -> AccountDeletion:
    """The patient asks for their account to be deleted. It is erased after the grace period, unless they cancel;
    until then they can only sign in to cancel. Every session and API token is signed out now."""
    if actor.pk != user.pk or not user.is_patient:
        raise PermissionDenied
    credentials_check(user=user, password=password, code=code)
    with transaction.atomic():
        deletion = AccountDeletion.objects.select_for_update().pending().filter(user=user).first()
        if deletion is None:
            now = timezone.now()
            deletion = AccountDeletion.objects.create(
                user=user, requested_by=actor, requested_at=now, erase_after=now + grace_period()
            )
            outbox.enqueue(deletion_notice_task, deletion.pk, Notice.REQUESTED)
        ApiToken.objects.filter(user=user).revoke(reason=ApiTokenRevocation.BY_USER)
    sessions_end(user=user)
    logger.info("Account deletion %s requested by the account's owner", deletion.pk)
    return deletion


def account_erase_on_request(*, actor: User, user: User, reason: str) -> AccountDeletion:
    """Staff erase a patient's account on the patient's request (a letter, a call after checking who called).
    At once, without the grace period: the patient already asked, through a channel staff checked, and the law
    asks for an erasure without undue delay; the reason is kept on the deletion, which is the record of who erased
    which account, when and why."""
    if not actor.is_staff:
        raise PermissionDenied
    if not user.is_patient:
        raise ValidationError(_("Only patients' accounts are erased here."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the account is erased.")})
    with transaction.atomic():
        now = timezone.now()
        deletion = AccountDeletion.objects.select_for_update().filter(user=user, cancelled_at__isnull=True).first()
        if deletion is None:
            deletion = AccountDeletion.objects.create(
                user=user, requested_by=actor, requested_at=now, erase_after=now, reason=reason
            )
        elif deletion.erased_at is None:
            deletion.requested_by, deletion.reason, deletion.erase_after = actor, reason, now
            deletion.save(update_fields=["requested_by", "reason", "erase_after"])
        ApiToken.objects.filter(user=user).revoke(reason=ApiTokenRevocation.BY_STAFF, by=actor)
        if deletion.erased_at is None:
            outbox.enqueue(account_erase_task, deletion.pk)
    sessions_end(user=user)
    logger.info("Account deletion %s requested by staff %s", deletion.pk, actor.pk)
    return deletion


def account_deletion_cancel(*, actor: User, deletion: AccountDeletion) -> AccountDeletion:
    """The patient changes their mind during the grace period: everything stays as it was."""
    with transaction.atomic():
        locked = AccountDeletion.objects.select_for_update().filter(pk=deletion.pk).first()
        if locked is None or locked.user_id != actor.pk or locked.by_staff:
            raise Http404
        if not locked.is_pending:
            raise ValidationError(_("This deletion can no longer be cancelled."), code="not_pending")
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at"])
        outbox.enqueue(deletion_notice_task, locked.pk, Notice.CANCELLED)
    logger.info("Account deletion %s cancelled", locked.pk)
    return locked


def sessions_end(*, user: User) -> int:
    """Signs the user out of every browser: their sessions are deleted. Sessions are not indexed by user, so
    the table is read in batches and each session decoded; it holds only the sessions of the last idle period
    and those not cleared yet."""
    ended = 0
    user_id = str(user.pk)
    last = ""
    while batch := list(Session.objects.filter(session_key__gt=last).order_by("session_key")[:SESSION_SCAN_BATCH]):
        last = batch[-1].session_key
        mine = [session.session_key for session in batch if session.get_decoded().get("_auth_user_id") == user_id]
        ended += Session.objects.filter(session_key__in=mine).delete()[0]
    return ended


# --- Beat and tasks -------------------------------------------------------------------------------------------


def account_deletions_tick(*, now: datetime | None = None) -> None:
    """Queues the erasure of each deletion past its grace period and the reminder a week before. Run by beat:
    it is also the sweeper, since a lost erasure is still due at the next tick."""
    now = now or timezone.now()
    for deletion_id in AccountDeletion.objects.due(now).values_list("pk", flat=True):
        with transaction.atomic():
            outbox.resend(account_erase_task, deletion_id)
    reminders = AccountDeletion.objects.pending().filter(
        reminder_sent_at__isnull=True,
        erase_after__gt=now,
        erase_after__lte=now + reminder_before(),
        requested_at__lt=models.F("erase_after") - reminder_before(),
    )
    for deletion_id in reminders.values_list("pk", flat=True):
        with transaction.atomic():
            outbox.resend(deletion_notice_task, deletion_id, Notice.REMINDER)


def deletion_notice(*, deletion_id: int, notice: int) -> None:
    """Sends one of the notices by e-mail, once (the reminder is marked sent under the row's lock). An account
    without an e-mail address gets none."""
    with transaction.atomic():
        deletion = AccountDeletion.objects.select_for_update().select_related("user").filter(pk=deletion_id).first()
        if deletion is None or deletion.erased_at is not None or not deletion.user.email:
            return
        if notice == Notice.REMINDER:
            if deletion.reminder_sent_at is not None or not deletion.is_pending:
                return
            deletion.reminder_sent_at = timezone.now()
            deletion.save(update_fields=["reminder_sent_at"])
        if notice == Notice.CANCELLED and deletion.cancelled_at is None:
            return
        user = deletion.user
        notice_send(
            notice=notice,
            email=user.email,
            first_name=user.first_name,
            language=user.language,
            erase_after=timezone.localtime(deletion.erase_after),
        )


def account_deletion_execute(*, deletion_id: int) -> bool:
    """The erasure task: erases the account when its deletion is due and was not cancelled. Safe to run twice."""
    deletion = AccountDeletion.objects.select_related("user", "requested_by").filter(pk=deletion_id).first()
    if deletion is None or deletion.cancelled_at is not None or deletion.erased_at is not None:
        return False
    if deletion.erase_after > timezone.now():
        return False
    erase_patient(actor=deletion.requested_by, user=deletion.user, reason=deletion.reason)
    return True


# --- The erasure ----------------------------------------------------------------------------------------------


def erase_patient(*, actor: User, user: User, reason: str) -> AccountDeletion:
    """Erases the patient's account (see the module's docstring for what goes and what stays). `actor` is the
    patient (their own request, past its grace period) or staff. Idempotent: an account already erased is left
    as it is, and a run interrupted half-way finishes at the next.

    Outside the database first (each a no-op the second time): the face templates from their backend, then every
    file from the storage; then everything in one transaction. A failure of the backend or the storage raises
    before the database changes, so the task runs again."""
    if actor.pk != user.pk and not actor.is_staff:
        raise PermissionDenied
    if not user.is_patient:
        raise ValidationError(_("Only patients' accounts are erased here."))
    with transaction.atomic():
        deletion = AccountDeletion.objects.filter(user=user, cancelled_at__isnull=True).first()
        if deletion is None:
            now = timezone.now()
            deletion = AccountDeletion.objects.create(
                user=user, requested_by=actor, requested_at=now, erase_after=now, reason=reason
            )
    if deletion.erased_at is not None:
        return deletion
    faces.face_templates_erase_of_patient(patient=user)
    for key in _storage_keys_of(user):
        default_storage.delete(key)
    farewell = partial(
        notice_send,
        notice=Notice.ERASED,
        email=user.email or "",
        first_name=user.first_name,
        language=user.language,
        erase_after=timezone.localtime(),
    )
    with transaction.atomic():
        _erase_rows(user)
        deletion.erased_at = timezone.now()
        deletion.save(update_fields=["erased_at"])
        if user.email:
            transaction.on_commit(farewell)
    logger.info("Account deletion %s done", deletion.pk)
    return deletion


def _records_of(user: User):
    return HealthRecord.objects.filter(patient=user)


def _storage_keys_of(user: User) -> list[str]:
    """Every stored file of the patient: their records' files, thumbnails and copies with the faces blurred (saved
    comparisons are records with their picture as a file), the print jobs filed into their records, the uploads
    kept from a form sent back."""
    records = _records_of(user)
    keys: list[str] = []
    for file, thumbnail, masked in RecordFile.objects.filter(record__in=records).values_list(
        "file", "thumbnail", "masked"
    ):
        keys += [file, thumbnail, masked]
    keys += PrintDocument.objects.filter(job__record__in=records).values_list("file", flat=True)
    keys += StagedUpload.objects.filter(owner=user).values_list("file", flat=True)
    # Their exports (and any a professional made of their file), and the bundles they imported.
    keys += ExportJob.objects.filter(patient=user).values_list("file", flat=True)
    keys += ImportJob.objects.filter(patient=user).values_list("file", flat=True)
    keys += ImportFile.objects.filter(job__patient=user).values_list("file", flat=True)
    return [key for key in keys if key]


def _public_ids_of(user: User) -> list[str]:
    """The ids of the patient and of their objects that links (a notification's) may carry."""
    ids = [user.public_id]
    for model in (HealthRecord, Treatment, ShareLink, Grant, AccessRequest, CareTeamProposal, Comment):
        ids += model._default_manager.filter(patient=user).values_list("public_id", flat=True)
    ids += RecordFile.objects.filter(record__patient=user).values_list("public_id", flat=True)
    return [str(each) for each in ids]


def _erase_rows(user: User) -> None:
    records = _records_of(user)
    record_ids = list(records.values_list("pk", flat=True))
    _notifications_about_delete(user)
    _admin_history_delete(user, record_ids)

    # The alerts caregivers were sent about the patient's doses go with the doses.
    MissedDoseAlert.objects.filter(intake__medication__treatment__patient=user).delete()
    Intake.objects.filter(Q(medication__treatment__patient=user) | Q(dispatch__patient=user)).delete()
    PrescriptionReading.objects.filter(Q(record__in=record_ids) | Q(treatment__patient=user)).delete()
    # Lab values and readings PROTECT the records they were read from: they go first.
    Observation.objects.filter(Q(record__in=record_ids) | Q(patient=user)).delete()
    LabReading.objects.filter(record__in=record_ids).delete()
    Medication.objects.filter(treatment__patient=user).delete()
    Treatment.objects.filter(patient=user).delete()
    ReminderDispatch.objects.filter(patient=user).delete()
    ReminderSettings.objects.filter(patient=user).delete()

    # Comments go with the records, whoever wrote them; replies before what they answer.
    on_records = Comment.objects.filter(Q(record__in=record_ids) | Q(patient=user))
    CommentRevision.objects.filter(comment__in=on_records).delete()
    on_records.filter(parent__isnull=False).delete()
    on_records.delete()
    CommentRead.objects.filter(Q(user=user) | Q(record__in=record_ids)).delete()
    Comment.mentions.through.objects.filter(user=user).delete()
    Comment.objects.filter(author=user).update(author_label=ERASED_LABEL)

    PrintJob.objects.filter(record__in=record_ids).delete()
    PrintJob.objects.filter(proposed_patient=user).update(
        proposed_patient=None, proposal_reason="", proposal_evidence={}
    )
    AccessRequest.objects.filter(patient=user).delete()
    AccessRequest.objects.filter(requester=user).update(name=ERASED_LABEL, contact_email="", contact_phone="")
    CareTeamProposal.objects.filter(patient=user).delete()
    ShareLink.objects.filter(patient=user).delete()
    Grant.objects.filter(patient=user).delete()
    EmergencyProfile.objects.filter(patient=user).delete()
    SharingSettings.objects.filter(patient=user).delete()

    RecordChange.objects.filter(record__in=record_ids).delete()
    RecordFile.objects.filter(record__in=record_ids).delete()
    HealthRecord.objects.filter(pk__in=record_ids).delete()
    Tag.objects.filter(patient=user).delete()
    StagedUpload.objects.filter(owner=user).delete()

    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    ExportJob.objects.filter(patient=user).delete()
    ImportJob.objects.filter(patient=user).delete()
    ApiToken.objects.filter(user=user).delete()
    UserSession.objects.filter(user=user).delete()
    KnownDevice.objects.filter(user=user).delete()
    PhoneCode.objects.filter(user=user).delete()
    AccountClaim.objects.filter(user=user).delete()
    pending_sign_ups = Q(email__iexact=user.email) if user.email else Q()
    if user.phone:
        pending_sign_ups |= Q(phone=user.phone)
    if pending_sign_ups:
        PendingSignUp.objects.filter(pending_sign_ups).delete()
    for device in django_otp.devices_for_user(user, confirmed=None):
        device.delete()
    SecondFactorEvent.objects.erase_of(user)
    PatientProfile.objects.filter(user=user).delete()
    sessions_end(user=user)

    audit.access_events_pseudonymise(user=user, actor_label=ERASED_LABEL)
    _tombstone(user)


def _notifications_about_delete(user: User) -> None:
    """Other people's notifications about the patient: those the patient's actions made (a grant given, a
    comment), those that link to the patient's objects, those that name them."""
    about = Q(actor=user)
    if len(user.full_name) >= 3:
        about |= Q(message__contains=user.full_name)
    Notification.objects.filter(about).delete()
    ids = _public_ids_of(user)
    for start in range(0, len(ids), NOTIFICATION_IDS_BATCH):
        links = Q()
        for public_id in ids[start : start + NOTIFICATION_IDS_BATCH]:
            links |= Q(url__contains=public_id)
        Notification.objects.filter(links).delete()


def _admin_history_delete(user: User, record_ids: list[int]) -> None:
    """The administration's history names the objects it changed ("Alice Martin"): its rows about the patient's
    account, profile and records go."""
    about = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    profile = PatientProfile.objects.filter(user=user).first()
    if profile is not None:
        about |= Q(content_type=ContentType.objects.get_for_model(PatientProfile), object_id=str(profile.pk))
    about |= Q(
        content_type=ContentType.objects.get_for_model(HealthRecord), object_id__in=[str(pk) for pk in record_ids]
    )
    LogEntry.objects.filter(about).delete()


def _tombstone(user: User) -> None:
    user.groups.clear()
    user.user_permissions.clear()
    User.objects.filter(pk=user.pk).update(
        public_id=uuid4(),
        email=None,
        phone=None,
        phone_verified_at=None,
        first_name="",
        last_name="",
        password=make_password(None),
        is_active=False,
        is_superuser=False,
        claim_pending=True,
        time_zone="UTC",
        language=settings.LANGUAGE_CODE,
        date_joined=timezone.now(),
        last_login=None,
    )


# --- Retention of the access log ------------------------------------------------------------------------------


def access_log_purge(*, now: datetime | None = None) -> int:
    """Deletes the access events older than ACCESS_LOG_RETENTION_DAYS."""
    now = now or timezone.now()
    purged = audit.access_events_purge(older_than=now - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS))
    if purged:
        logger.info("Access log: %s events past their retention deleted", purged)
    return purged

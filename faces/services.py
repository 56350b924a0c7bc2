"""Writes of face identification: consent, enrolment, withdrawal (which is also erasure), searches, and
the quick account a professional makes for a patient nobody could identify.

Biometric templates exist only under an active consent. Photos are read in memory and never stored.
A backend call (AWS, or a second of CPU for the local model) is made outside the database transaction;
when the transaction then fails, what the backend made is removed again, so neither side keeps an orphan.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from access import policy
from access.models import AccessPath
from accounts import services as accounts
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from faces import confirmation
from faces.bands import band_of, is_ambiguous
from faces.engine import get_engine
from faces.engine.base import EnrolledFace, FaceProblem
from faces.gallery import database_gallery
from faces.models import (
    MAX_TEMPLATES_PER_PATIENT,
    ConfirmationFactor,
    ConsentMethod,
    FaceConsent,
    FaceSearch,
    FaceSearchCandidate,
    FaceTemplate,
    MatchBand,
    SearchOutcome,
)
from faces.tasks import erase_face_templates as erase_face_templates_task
from notifications.models import Event
from notifications.services import notify_translated
from relyfe import abuse, outbox
from relyfe.errors import Concealed, Refused
from relyfe.undo import UNDO_WINDOW, undo_window_open
from relyfe.web import absolute_url
from sharing.services import grant_to_account_creator

MAX_CANDIDATES = 5
# The templates are erased this long after a withdrawal: the undo window, and a margin for the clock.
ERASE_DELAY = UNDO_WINDOW + timedelta(seconds=5)


def engine():
    return get_engine(settings.FACES_BACKEND, gallery=database_gallery)


@transaction.atomic
def face_consent_give(*, actor: User, patient: User, request=None) -> FaceConsent:
    """The patient agrees, in their account, or tells a professional who has access, who records it.
    Giving it again while it is in force changes nothing."""
    path = policy.require(actor, policy.Action.ENROL_FACE, patient).logged_path
    current = FaceConsent.objects.select_for_update().active().filter(patient=patient).first()
    if current is not None:
        return current
    consent = FaceConsent(
        patient=patient,
        method=ConsentMethod.SELF if actor.pk == patient.pk else ConsentMethod.RECORDED,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.FACE_CONSENT,
        object_id=consent.public_id,
        action=AuditAction.CREATE,
        access=path,
        request=request,
    )
    return consent


class PhotosRefused(FaceProblem):
    """Some photos of an enrolment cannot be used: each one's number and problem, so that the professional
    retakes only those. Nothing of the enrolment is kept."""

    def __init__(self, problems: list[tuple[int, FaceProblem]]):
        message = " ".join(
            str(gettext_lazy("Photo %(number)s: %(reason)s") % {"number": number, "reason": problem.message})
            for number, problem in problems
        )
        super().__init__(problems[0][1].code, message)
        self.problems = problems


def face_enrol(*, actor: User, patient: User, image: bytes, request=None) -> FaceTemplate:
    """Adds a template of the largest face in `image` for `patient`: face_enrol_photos with one photo."""
    return face_enrol_photos(actor=actor, patient=patient, images=[image], request=request)[0]


def face_enrol_photos(*, actor: User, patient: User, images: Sequence[bytes], request=None) -> list[FaceTemplate]:
    """Adds a template of the largest face of each photo for `patient` (2 or 3 photos in other light and angles
    find them better), each with the quality the engine measured. Needs the patient's consent in force: without
    it, nothing is computed and nothing is stored. One photo the engine refuses keeps none of them: the error
    says which and why (PhotosRefused, or the photo's own FaceProblem when there was one photo)."""
    path = policy.require(actor, policy.Action.ENROL_FACE, patient).logged_path
    consent = FaceConsent.objects.active().filter(patient=patient).first()
    if consent is None:
        raise Refused("no_consent", _("The patient has not consented to face identification."))
    if FaceTemplate.objects.filter(patient=patient).count() + len(images) > MAX_TEMPLATES_PER_PATIENT:
        raise ValidationError(
            _("This patient already has %(count)s enrolled photos; withdraw them to start again.")
            % {"count": FaceTemplate.objects.filter(patient=patient).count()},
            code="too_many_templates",
        )
    face_engine = engine()
    enrolled: list[EnrolledFace] = []
    problems: list[tuple[int, FaceProblem]] = []
    for number, image in enumerate(images, start=1):
        try:
            enrolled.append(face_engine.enrol(image, external_id=str(patient.public_id)))
        except FaceProblem as problem:
            problems.append((number, problem))
    try:
        if problems:
            raise problems[0][1] if len(images) == 1 else PhotosRefused(problems)
        return _templates_save(
            actor=actor, patient=patient, consent=consent, enrolled=enrolled, path=path, request=request
        )
    except BaseException:
        if enrolled:
            face_engine.remove([face.face_id for face in enrolled])
        raise


@transaction.atomic
def _templates_save(*, actor, patient, consent, enrolled: list[EnrolledFace], path, request) -> list[FaceTemplate]:
    # The consent may have been withdrawn while the backend was working: then the templates must not stay.
    if not FaceConsent.objects.select_for_update().filter(pk=consent.pk, withdrawn_at__isnull=True).exists():
        raise Refused("no_consent", _("The patient has not consented to face identification."))
    templates = []
    for face in enrolled:
        template = FaceTemplate.objects.create(
            patient=patient,
            consent=consent,
            backend=settings.FACES_BACKEND,
            face_id=face.face_id,
            embedding=face.embedding,
            enrolled_by=actor,
            quality=face.quality,
        )
        audit.record(
            actor=actor,
            patient=patient,
            object_type=ObjectType.FACE_TEMPLATE,
            object_id=template.public_id,
            action=AuditAction.CREATE,
            access=path,
            request=request,
        )
        templates.append(template)
    if actor.pk != patient.pk:
        notify_translated(
            recipient=patient,
            event=Event.FACE_ENROLLED,
            text=gettext_noop("%(name)s enrolled your face for identification. You can withdraw it at any time."),
            params={"name": actor.full_name},
            url=reverse("faces:mine"),
            actor=actor,
        )
    return templates


@transaction.atomic
def face_confirmation_factor_choose(
    *, actor: User, patient: User, factor: ConfirmationFactor, request=None
) -> FaceConsent:
    """The patient chooses what a professional asks them for before a face match names them: only a factor
    their account has (a phone number, a Heart-Code in use)."""
    if actor.pk != patient.pk:
        raise PermissionDenied
    consent = FaceConsent.objects.select_for_update().active().filter(patient=patient).first()
    if consent is None:
        raise Refused("no_consent", _("You have not consented to face identification."))
    if factor not in confirmation.factors_offered(patient):
        raise ValidationError(_("Your account cannot confirm it is you this way."), code="factor_unavailable")
    consent.confirm_with = factor
    consent.full_clean()
    consent.save(update_fields=["confirm_with"])
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.FACE_CONSENT,
        object_id=consent.public_id,
        action=AuditAction.UPDATE,
        access=AccessPath.OWNER,
        request=request,
    )
    return consent


@transaction.atomic
def face_consent_withdraw(*, actor: User, patient: User, request=None) -> FaceConsent | None:
    """Withdrawal by the patient, or erasure on the patient's request by staff. The consent ends at once, so
    nobody is found by this face any more (a search shows only patients whose consent is in force); the
    templates are erased from their backend and here a few seconds later, by a task, so that the patient
    can undo a mis-tap until then. The consent is kept, without any biometric data."""
    if not policy.may_withdraw_faces(actor, patient):
        raise PermissionDenied
    consent = FaceConsent.objects.select_for_update().active().filter(patient=patient).first()
    if consent is None:
        return None
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.FACE_CONSENT,
        object_id=consent.public_id,
        action=AuditAction.REVOKE,
        access=_withdrawal_path(actor, patient),
        request=request,
    )
    # Undone within the window, the consent is active again and the task leaves its templates alone.
    outbox.enqueue(erase_face_templates_task, consent.pk, eta=consent.withdrawn_at + ERASE_DELAY)
    return consent


def _withdrawal_path(actor, patient) -> AccessPath:
    return AccessPath.OWNER if actor.pk == patient.pk else AccessPath.STAFF


@transaction.atomic
def face_consent_restore(*, actor: User, patient: User, request=None) -> FaceConsent:
    """Undoes a withdrawal the same person made seconds ago, before the templates are erased."""
    consent = FaceConsent.objects.select_for_update().filter(patient=patient).first()  # the latest
    in_force = FaceConsent.objects.active().filter(patient=patient).exists()
    if (
        consent is None
        or consent.withdrawn_by_id != actor.pk
        or not undo_window_open(consent.withdrawn_at)
        or in_force
        or not policy.may_withdraw_faces(actor, patient)
    ):
        raise ValidationError(_("It is too late to undo: enrol your face again."), code="undo_too_late")
    consent.withdrawn_at, consent.withdrawn_by = None, None
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(
        actor=actor,
        patient=patient,
        object_type=ObjectType.FACE_CONSENT,
        object_id=consent.public_id,
        action=AuditAction.RESTORE,
        access=_withdrawal_path(actor, patient),
        request=request,
    )
    return consent


def face_templates_erase(*, consent_id: int) -> bool:
    """Erases the templates of a withdrawn consent once its undo window has passed, from their backend and
    then here. False when it is too early: the erasure is queued again for the end of the window, under the
    consent's key (the withdrawal's row re-armed); the overdue sweep still covers a task lost on the way.
    Safe to run twice."""
    consent = FaceConsent.objects.select_related("withdrawn_by").filter(pk=consent_id).first()
    if consent is None or consent.is_active:
        return True  # restored by an undo: nothing to erase
    if undo_window_open(consent.withdrawn_at):
        with transaction.atomic():
            outbox.enqueue(erase_face_templates_task, consent.pk, eta=consent.withdrawn_at + ERASE_DELAY)
        return False
    templates = list(FaceTemplate.objects.filter(consent=consent))
    for backend in {template.backend for template in templates}:
        get_engine(backend, gallery=database_gallery).remove(
            [template.face_id for template in templates if template.backend == backend]
        )
    _templates_delete(consent=consent, templates=templates)
    return True


@transaction.atomic
def _templates_delete(*, consent, templates) -> None:
    actor = consent.withdrawn_by
    for template in templates:
        audit.record(
            actor=actor,
            patient=consent.patient,
            object_type=ObjectType.FACE_TEMPLATE,
            object_id=template.public_id,
            action=AuditAction.REVOKE,
            access=_withdrawal_path(actor, consent.patient),
            request=None,
        )
    FaceTemplate.objects.filter(pk__in=[template.pk for template in templates]).delete()


def face_templates_erase_of_patient(*, patient: User) -> int:
    """The patient's erasure: every template of theirs, whatever its consent, removed from its backend (Rekognition's
    DeleteFaces for its collection) and then here, at once (no undo window: the grace period was the undo). Consents
    go too. Safe to run twice; a backend that fails raises before anything is deleted here."""
    templates = list(FaceTemplate.objects.filter(patient=patient))
    for backend in {template.backend for template in templates}:
        get_engine(backend, gallery=database_gallery).remove(
            [template.face_id for template in templates if template.backend == backend]
        )
    with transaction.atomic():
        FaceTemplate.objects.filter(pk__in=[template.pk for template in templates]).delete()
        FaceSearchCandidate.objects.filter(patient=patient).delete()
        FaceConsent.objects.filter(patient=patient).delete()
    return len(templates)


def face_templates_overdue() -> list[int]:
    """Withdrawn consents whose templates outlived their erasure (a task lost with a worker)."""
    cutoff = timezone.now() - ERASE_DELAY * 2
    return list(
        FaceConsent.objects.filter(withdrawn_at__lt=cutoff, templates__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )


def face_identify(*, actor: User, image: bytes, request=None) -> FaceSearch:
    """Searches the enrolled patients for the largest face in `image`. The search is logged whatever its
    result, and each patient found sees it in their access log. A photo that cannot be used raises
    `FaceProblem` after the attempt is logged."""
    if not policy.may_identify_faces(actor):
        raise PermissionDenied
    threshold = settings.FACES_MATCH_THRESHOLD
    try:
        candidates = engine().search(image, threshold=threshold, max_results=MAX_CANDIDATES * 2)
    except FaceProblem as problem:
        FaceSearch.objects.create(
            searcher=actor,
            backend=settings.FACES_BACKEND,
            threshold=threshold,
            outcome=SearchOutcome.UNUSABLE_PHOTO,
            problem=problem.code,
        )
        raise
    return _search_save(actor=actor, candidates=candidates, threshold=threshold, request=request)


@transaction.atomic
def _search_save(*, actor, candidates, threshold, request) -> FaceSearch:
    # A template may outlive its consent in a remote collection for a moment (a withdrawal in progress):
    # only patients with a consent in force are ever shown.
    consenting = {
        str(public_id): pk
        for public_id, pk in User.objects.filter(
            role=Role.PATIENT,
            public_id__in=_valid_uuids(candidate.external_id for candidate in candidates),
            pk__in=FaceConsent.objects.active().values("patient"),
        ).values_list("public_id", "pk")
    }
    # A patient enrolled with several photos counts once, with their best one: two photos of one person are
    # never "several patients who look alike".
    best: dict[int, float] = {}
    for candidate in candidates:
        patient_pk = consenting.get(candidate.external_id)
        if patient_pk is not None and candidate.similarity > best.get(patient_pk, -1):
            best[patient_pk] = candidate.similarity
    ranked = sorted(best.items(), key=lambda item: -item[1])[:MAX_CANDIDATES]
    if not ranked:
        outcome = SearchOutcome.NO_MATCH
    elif is_ambiguous([similarity for _patient, similarity in ranked]):
        outcome = SearchOutcome.AMBIGUOUS
    else:
        outcome = SearchOutcome.MATCH
    search = FaceSearch.objects.create(
        searcher=actor, backend=settings.FACES_BACKEND, threshold=threshold, outcome=outcome
    )
    FaceSearchCandidate.objects.bulk_create(
        FaceSearchCandidate(
            search=search,
            patient_id=patient_pk,
            similarity=similarity,
            rank=rank,
            band=band_of(similarity) or MatchBand.POSSIBLE,
        )
        for rank, (patient_pk, similarity) in enumerate(ranked, start=1)
    )
    for candidate in search.candidates.select_related("patient"):
        audit.record(
            actor=actor,
            patient=candidate.patient,
            object_type=ObjectType.FACE_SEARCH,
            object_id=search.public_id,
            action=AuditAction.IDENTIFY,
            access=AccessPath.IDENTIFICATION,
            request=request,
        )
    return search


def _valid_uuids(values) -> list[uuid.UUID]:
    valid = []
    for value in values:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    return valid


@dataclass(frozen=True)
class QuickAccount:
    patient: User
    claim_code: str


def patient_quick_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    approximate_birth_year: int | None,
    language: str,
    image: bytes,
    consent_recorded: bool,
    email: str | None = None,
    phone: str | None = None,
    request=None,
) -> QuickAccount:
    """Nobody matched: the professional creates the patient's account with minimal data and enrols their
    face under the consent they record, in one step. The professional gets access to the new file
    (they are the one treating the patient); the patient claims the account later with a code."""
    if not policy.may_identify_faces(actor):
        raise PermissionDenied
    if not consent_recorded:
        raise Refused("consent_not_recorded", _("Record the patient's consent before enrolling their face."))
    accounts.validate_new_patient(
        first_name=first_name,
        last_name=last_name,
        approximate_birth_year=approximate_birth_year,
        email=email,
        phone=phone,
    )
    public_id = uuid.uuid4()
    face_engine = engine()
    enrolled = face_engine.enrol(image, external_id=str(public_id))
    try:
        account = _quick_account_save(
            actor=actor,
            public_id=public_id,
            enrolled=enrolled,
            fields={
                "first_name": first_name,
                "last_name": last_name,
                "approximate_birth_year": approximate_birth_year,
                "language": language,
                "email": email,
                "phone": phone,
            },
            request=request,
        )
    except BaseException:
        face_engine.remove([enrolled.face_id])
        raise
    if account.patient.email:
        accounts.account_claim_send(
            user=account.patient,
            code=account.claim_code,
            claim_url=absolute_url(reverse("accounts:claim")),
            professional=actor,
        )
    return account


@transaction.atomic
def _quick_account_save(*, actor, public_id, enrolled, fields, request) -> QuickAccount:
    patient, code = accounts.patient_create_for_claim(created_by=actor, public_id=public_id, **fields)
    grant_to_account_creator(actor=actor, patient=patient, request=request)
    consent = face_consent_give(actor=actor, patient=patient, request=request)
    _templates_save(
        actor=actor, patient=patient, consent=consent, enrolled=[enrolled], path=AccessPath.GRANT, request=request
    )
    return QuickAccount(patient=patient, claim_code=code)


@dataclass(frozen=True)
class Confirmation:
    candidate: FaceSearchCandidate
    confirmed: bool
    # Whether the answer was checked at all: not on a locked candidate, nor while the professional must wait.
    checked: bool
    locked: bool


def face_candidate_confirm(*, actor: User, search: FaceSearch, rank: int, answer: str, request=None):
    """The professional gives the second factor the patient chose, to learn who a match is. The right one
    confirms the candidate (the name shows, then the file or the access request); a wrong one tells nothing
    and counts: FACES_CONFIRMATION_ATTEMPTS of them lock the candidate for good, the right answer included, and
    the professional's wrong answers across searches make them wait (a new search buys no new guesses). Every
    attempt is in the patient's access log, never the answer. Raises WrongFactor, ConfirmationLocked or
    ConfirmationThrottled."""
    if not policy.may_identify_faces(actor) or search.searcher_id != actor.pk:
        raise PermissionDenied
    if search.outcome != SearchOutcome.MATCH:
        raise Concealed()  # an ambiguous search names nobody, whatever the factor
    key = str(actor.pk)
    wait = abuse.wait_seconds(confirmation.lockout(), key)
    result = _confirmation_record(
        actor=actor, search=search, rank=rank, answer=answer, may_check=not wait, request=request
    )
    if result.confirmed:
        abuse.clear(confirmation.lockout(), key)
        return result.candidate
    if result.checked:
        abuse.failure(confirmation.lockout(), key)
    if result.locked:
        raise confirmation.ConfirmationLocked()
    if not result.checked:
        raise confirmation.ConfirmationThrottled(wait)
    raise confirmation.WrongFactor(
        attempts_left=settings.FACES_CONFIRMATION_ATTEMPTS - result.candidate.failed_confirmations
    )


@transaction.atomic
def _confirmation_record(*, actor, search, rank, answer, may_check, request) -> Confirmation:
    candidate = (
        # Only the candidate's row is locked: PostgreSQL locks no row of an outer join's nullable side.
        FaceSearchCandidate.objects.select_for_update(of=("self",))
        .select_related("patient__patient_profile")
        .filter(search=search, rank=rank)
        .first()
    )
    if candidate is None:
        raise Concealed()
    if candidate.confirmed_at is not None:
        return Confirmation(candidate=candidate, confirmed=True, checked=False, locked=False)
    locked = candidate.failed_confirmations >= settings.FACES_CONFIRMATION_ATTEMPTS
    checked = may_check and not locked
    confirmed = False
    if checked:
        consent = FaceConsent.objects.active().filter(patient=candidate.patient).first()
        confirmed = consent is not None and confirmation.answer_matches(
            candidate.patient, confirmation.factor_of(consent), answer
        )
        if confirmed:
            candidate.confirmed_at = timezone.now()
        else:
            candidate.failed_confirmations += 1
            locked = candidate.failed_confirmations >= settings.FACES_CONFIRMATION_ATTEMPTS
        candidate.save(update_fields=["confirmed_at", "failed_confirmations"])
    # The patient sees each attempt: a confirmed one as their identification viewed, any other as one more
    # attempt to identify them. The answer itself is written nowhere.
    audit.record(
        actor=actor,
        patient=candidate.patient,
        object_type=ObjectType.FACE_SEARCH,
        object_id=search.public_id,
        action=AuditAction.VIEW if confirmed else AuditAction.IDENTIFY,
        access=AccessPath.IDENTIFICATION,
        request=request,
    )
    return Confirmation(candidate=candidate, confirmed=confirmed, checked=checked, locked=locked)


def face_match_access_request(*, actor: User, search: FaceSearch, rank: int, reason: str, request=None):
    """A professional who found a patient they have no access to, and confirmed who it is, asks the patient for
    it, as a visitor of the emergency page would, without learning more about the patient than the search
    showed. An unconfirmed match asks nobody: the request could reach a look-alike."""
    from faces.selectors import shown_candidate
    from sharing.services import access_request_create, emergency_profile_ensure

    candidate = shown_candidate(user=actor, search=search, rank=rank)
    if not candidate.name_shown:
        raise Refused("not_confirmed", _("Confirm who the patient is before asking them for access."))
    if candidate.has_access:
        raise ValidationError(_("You already have access to this patient's file."), code="has_access")
    profile = getattr(actor, "professional_profile", None)
    return access_request_create(
        profile=emergency_profile_ensure(patient=candidate.patient),
        requester=actor,
        fields={
            "name": actor.full_name,
            "role": "professional",
            "rpps": (profile.rpps or "") if profile else "",
            "reason": reason,
            "contact_email": actor.email or "",
            "contact_phone": actor.phone or "",
        },
        request=request,
    )

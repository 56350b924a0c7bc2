"""Reads of face identification: a patient's own status, the patients a professional may enrol, and the
result of a search, shown only to the professional who made it, only for a short while, and only as
much of each patient as the professional is allowed to see."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from access import policy
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from faces.confirmation import factor_of
from faces.models import ConfirmationFactor, FaceConsent, FaceSearch, FaceTemplate, MatchBand, SearchOutcome
from relyfe.identifiers import canonical_identifier
from sharing.models import EmergencyProfile

# A search result is for the moment of the encounter, not a lasting list of who looks like whom.
SEARCH_RESULT_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class FaceStatus:
    consent: FaceConsent | None
    templates: list[FaceTemplate]
    past_consents: list[FaceConsent]

    @property
    def enrolled(self) -> bool:
        return bool(self.templates)


def face_status(*, patient: User, viewer=None, request=None) -> FaceStatus:
    """The patient's consent and enrolled faces. A professional's look at them is logged for the patient."""
    if viewer is not None and viewer.pk != patient.pk:
        audit.record(
            actor=viewer,
            patient=patient,
            object_type=ObjectType.FACE_CONSENT,
            object_id=None,
            action=AuditAction.VIEW,
            access=policy.decide(viewer, policy.Action.ENROL_FACE, patient),
            request=request,
        )
    consents = list(FaceConsent.objects.filter(patient=patient).select_related("recorded_by", "withdrawn_by"))
    return FaceStatus(
        consent=next((consent for consent in consents if consent.is_active), None),
        # Templates of a withdrawn consent wait a few seconds for their erasure: they are no longer in use.
        templates=list(
            FaceTemplate.objects.filter(patient=patient, consent__withdrawn_at__isnull=True).select_related(
                "enrolled_by"
            )
        ),
        past_consents=[consent for consent in consents if not consent.is_active],
    )


def own_face_status(*, user) -> FaceStatus:
    if not user.is_authenticated or not user.is_patient:
        raise Http404
    return face_status(patient=user)


def patient_for_enrolment(*, user, public_id) -> User:
    """A patient whose face this user may enrol (themself, or a patient who gave them contribute access)."""
    patient = User.objects.filter(public_id=public_id, role=Role.PATIENT).first()
    if patient is None or not policy.decide(user, policy.Action.ENROL_FACE, patient):
        raise Http404
    return patient


@dataclass(frozen=True)
class ShownCandidate:
    rank: int
    similarity: float
    band: MatchBand
    patient: User
    # Whether the professional may know who it is (policy.may_name_identified_patient); until then nothing
    # of the patient shows, not even whether the professional has access to them.
    name_shown: bool
    # What the professional may do once it is named: open the file, or see the emergency page and ask.
    has_access: bool
    emergency_token: str | None
    # The second factor to ask the patient for, and whether too many wrong ones locked this match.
    factor: ConfirmationFactor
    locked: bool

    @property
    def strong(self) -> bool:
        return self.band == MatchBand.STRONG


def face_search_of(*, user, public_id) -> FaceSearch:
    search = FaceSearch.objects.filter(
        public_id=public_id, searcher_id=user.pk, at__gte=timezone.now() - SEARCH_RESULT_LIFETIME
    ).first()
    if search is None or not policy.may_identify_faces(user):
        raise Http404
    return search


def shown_candidates(*, user, search: FaceSearch) -> list[ShownCandidate]:
    """The patients the search found, as far as the professional may see them. An ambiguous search shows
    none: picking one of several look-alikes is what it must never do."""
    from sharing.services import emergency_token_of

    if search.outcome != SearchOutcome.MATCH:
        return []
    candidates = list(search.candidates.select_related("patient__patient_profile"))
    patients = [candidate.patient for candidate in candidates]
    profiles = {
        profile.patient_id: profile for profile in EmergencyProfile.objects.filter(patient__in=patients, enabled=True)
    }
    consents = {
        consent.patient_id: consent
        for consent in FaceConsent.objects.active().filter(patient__in=patients).select_related("patient")
    }
    shown = []
    for candidate in candidates:
        named = policy.may_name_identified_patient(
            user,
            candidate.patient,
            strong_match=candidate.band == MatchBand.STRONG,
            confirmed=candidate.confirmed_at is not None,
        )
        shown.append(
            ShownCandidate(
                rank=candidate.rank,
                similarity=candidate.similarity,
                band=MatchBand(candidate.band),
                patient=candidate.patient,
                name_shown=named,
                has_access=named and bool(policy.decide(user, policy.Action.VIEW, candidate.patient)),
                emergency_token=emergency_token_of(profiles[candidate.patient_id])
                if named and candidate.patient_id in profiles
                else None,
                factor=factor_of(consents.get(candidate.patient_id)),
                locked=candidate.confirmed_at is None
                and candidate.failed_confirmations >= settings.FACES_CONFIRMATION_ATTEMPTS,
            )
        )
    return shown


def shown_candidate(*, user, search: FaceSearch, rank: int) -> ShownCandidate:
    for candidate in shown_candidates(user=user, search=search):
        if candidate.rank == rank:
            return candidate
    raise Http404


def patient_by_identifier(*, user, identifier: str) -> User:
    """The patient an identifier names (e-mail, mobile phone or ReLyfe id), if this user may enrol them."""
    parsed = canonical_identifier(identifier)
    if parsed is not None:
        kind, value = parsed
        patient = User.objects.filter(role=Role.PATIENT, **{kind: value}).first()
    else:
        try:
            public_id = uuid.UUID(identifier.strip())
        except ValueError:
            raise Http404 from None
        patient = User.objects.filter(role=Role.PATIENT, public_id=public_id).first()
    if patient is None:
        raise Http404
    return patient_for_enrolment(user=user, public_id=patient.public_id)

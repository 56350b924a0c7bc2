"""Reads of face identification: a patient's own status, the patients a professional may enrol, and the
result of a search, shown only to the professional who made it, only for a short while, and only as
much of each patient as the professional is allowed to see."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from access import policy
from accounts.models import Role, User
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from faces.models import FaceConsent, FaceSearch, FaceTemplate
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
    patient: User
    # What the professional may do with this match: open the file, or see the emergency page and ask.
    has_access: bool
    emergency_token: str | None
    name_shown: bool


def face_search_of(*, user, public_id) -> FaceSearch:
    search = FaceSearch.objects.filter(
        public_id=public_id, searcher_id=user.pk, at__gte=timezone.now() - SEARCH_RESULT_LIFETIME
    ).first()
    if search is None or not policy.may_identify_faces(user):
        raise Http404
    return search


def shown_candidates(*, user, search: FaceSearch) -> list[ShownCandidate]:
    from sharing.services import emergency_token_of

    candidates = list(search.candidates.select_related("patient__patient_profile"))
    profiles = {
        profile.patient_id: profile
        for profile in EmergencyProfile.objects.filter(
            patient__in=[candidate.patient for candidate in candidates], enabled=True
        )
    }
    return [
        ShownCandidate(
            rank=candidate.rank,
            similarity=candidate.similarity,
            patient=candidate.patient,
            has_access=bool(policy.decide(user, policy.Action.VIEW, candidate.patient)),
            emergency_token=emergency_token_of(profiles[candidate.patient_id])
            if candidate.patient_id in profiles
            else None,
            name_shown=policy.may_name_identified_patient(
                user, candidate.patient, emergency_page_on=candidate.patient_id in profiles
            ),
        )
        for candidate in candidates
    ]


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

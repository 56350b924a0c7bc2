"""Reads of sharing: who has access to a patient's file, a professional's patients, links, requests,
and the lookups behind the public URLs (share links, emergency pages)."""

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from access.models import Caregiver, Grant
from accounts.models import Role, User
from accounts.selectors import directory_search
from audit.models import AccessEvent
from sharing import tokens
from sharing.models import (
    AccessRequest,
    AccessRequestStatus,
    CareTeamProposal,
    EmergencyProfile,
    ShareLink,
    SharingSettings,
)


def _own(user, patient_field="patient"):
    if not user.is_authenticated or not user.is_patient:
        raise Http404
    return {patient_field: user}


def care_team(*, user) -> QuerySet[Grant]:
    """The patient's professionals in force, each with the last time they looked at the file."""
    last_seen = (
        AccessEvent.objects.filter(patient=OuterRef("patient"), actor=OuterRef("professional"))
        .values("actor")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        Grant.objects.active()
        .filter(**_own(user))
        .select_related("professional__professional_profile")
        .prefetch_related("records")
        .annotate(last_seen=Subquery(last_seen))
        .order_by("professional__last_name")
    )


def past_grants(*, user) -> QuerySet[Grant]:
    now = timezone.now()
    return (
        Grant.objects.filter(**_own(user))
        .exclude(pk__in=Grant.objects.active(now).values("pk"))
        .select_related("professional", "revoked_by")
    )


def grant_of_patient(*, user, public_id) -> Grant:
    grant = Grant.objects.select_related("patient", "professional").filter(public_id=public_id, **_own(user)).first()
    if grant is None:
        raise Http404
    return grant


def my_patients(*, user) -> QuerySet[Grant]:
    """A professional's patients: only those with a grant in force."""
    if not user.is_authenticated or not user.is_professional:
        raise Http404
    return Grant.objects.active().filter(professional=user).select_related("patient").order_by("patient__last_name")


def professionals_matching(*, query: str, limit: int = 10):
    """Professionals to choose from: the directory (what each made public), or an exact e-mail or RPPS."""
    query = " ".join(query.split())
    if len(query) < 2:
        return User.objects.none()
    exact = User.objects.filter(role=Role.PROFESSIONAL, is_active=True).filter(
        Q(email__iexact=query) | Q(professional_profile__rpps=query)
    )
    return (directory_search(query=query) | exact).select_related("professional_profile").distinct()[:limit]


def proposals_for_patient(*, user) -> QuerySet[CareTeamProposal]:
    return CareTeamProposal.objects.filter(**_own(user), status=CareTeamProposal.Status.PENDING).select_related(
        "proposed_by", "professional__professional_profile"
    )


def proposal_of_patient(*, user, public_id) -> CareTeamProposal:
    proposal = CareTeamProposal.objects.filter(public_id=public_id, **_own(user)).first()
    if proposal is None:
        raise Http404
    return proposal


def share_links(*, user) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(**_own(user)).prefetch_related("records")


def share_link_of_patient(*, user, public_id) -> ShareLink:
    link = ShareLink.objects.filter(public_id=public_id, **_own(user)).first()
    if link is None:
        raise Http404
    return link


def share_link_by_token(token: str) -> ShareLink | None:
    """The usable link behind a token, or None: expired, revoked and unknown links look the same. A link
    given to a visitor whose access request was approved has a derived token: it stops with its key."""
    link = ShareLink.objects.select_related("patient").filter(token_hash=tokens.token_hash(token)).first()
    if link is None or not link.is_usable:
        return None
    request_nonce = AccessRequest.objects.filter(share_link=link).values_list("token_nonce", flat=True).first()
    if request_nonce and not tokens.derived_token_is_valid(tokens.REQUEST_LINK, request_nonce, token):
        return None
    return link


def share_link_by_id(public_id) -> ShareLink | None:
    link = ShareLink.objects.select_related("patient").filter(public_id=public_id).first()
    return link if link is not None and link.is_usable else None


def emergency_profile_by_token(token: str) -> EmergencyProfile | None:
    """The emergency profile behind a Heart-Code, when the patient turned it on and its key is still listed."""
    profile = (
        # The page shows the birth date: the patient's profile comes with the same query.
        EmergencyProfile.objects.select_related("patient", "patient__patient_profile")
        .filter(token_hash=tokens.token_hash(token), enabled=True, patient__is_active=True)
        .first()
    )
    if profile is None or not tokens.derived_token_is_valid(tokens.HEARTCODE, profile.token_nonce, token):
        return None
    return profile


def access_requests(*, user) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(**_own(user)).select_related("requester", "share_link", "grant")


def pending_access_requests(*, user) -> QuerySet[AccessRequest]:
    return access_requests(user=user).filter(status=AccessRequestStatus.PENDING, expires_at__gt=timezone.now())


def access_request_of_patient(*, user, public_id) -> AccessRequest:
    access_request = access_requests(user=user).filter(public_id=public_id).first()
    if access_request is None:
        raise Http404
    return access_request


def access_request_by_status_token(token: str) -> AccessRequest | None:
    """The request behind a visitor's status page; an unknown token and no request look the same."""
    access_request = (
        AccessRequest.objects.select_related("patient", "share_link", "grant")
        .filter(status_token_hash=tokens.token_hash(token))
        .first()
    )
    if access_request is None:
        return None
    if not tokens.derived_token_is_valid(tokens.REQUEST_STATUS, access_request.token_nonce, token):
        return None
    return access_request


def sharing_settings_of(*, patient) -> SharingSettings:
    """What the patient allowed their care team beforehand, or the defaults (unsaved) until they choose:
    showing the care-team page writes nothing."""
    return SharingSettings.objects.filter(patient=patient).first() or SharingSettings(patient=patient)


# --- Caregivers -------------------------------------------------------------------------------------


def caregivers_of(*, user) -> dict[str, list[Caregiver]]:
    """The patient's caregivers: waiting for an answer, in force, and the last ended ones."""
    rows = Caregiver.objects.filter(**_own(user)).select_related("caregiver", "revoked_by")
    return {
        "pending": list(rows.pending()),
        "active": list(rows.active()),
        "past": list(rows.filter(revoked_at__isnull=False).order_by("-revoked_at")[:20]),
    }


def caregiver_of_patient(*, user, public_id) -> Caregiver:
    """One of the patient's own caregiver rows; 404 for anyone else's."""
    caregiver = Caregiver.objects.filter(public_id=public_id, **_own(user)).select_related("caregiver").first()
    if caregiver is None:
        raise Http404
    return caregiver


def caring_for(*, user) -> QuerySet[Caregiver]:
    """The rows where `user` is the caregiver, asked or in force (not ended), patients first by name."""
    if not user.is_authenticated:
        return Caregiver.objects.none()
    return (
        Caregiver.objects.filter(caregiver=user, revoked_at__isnull=True, patient__is_active=True)
        .select_related("patient")
        .order_by("patient__last_name", "patient__first_name", "id")
    )


def caregiver_asking(*, user, public_id) -> Caregiver:
    """A row where `user` is the caregiver (asked, in force or ended); 404 for anyone else."""
    caregiver = (
        Caregiver.objects.filter(public_id=public_id, caregiver=user if user.is_authenticated else None)
        .select_related("patient")
        .first()
    )
    if caregiver is None:
        raise Http404
    return caregiver

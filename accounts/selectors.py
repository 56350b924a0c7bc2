from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from access.models import Caregiver
from accounts.models import PatientProfile, ProfessionalProfile, Role, User


def profile_of(user: User) -> PatientProfile | ProfessionalProfile | None:
    """The role-specific profile of a user; staff have none."""
    if user.is_patient:
        return PatientProfile.objects.filter(user=user).first()
    if user.is_professional:
        return ProfessionalProfile.objects.filter(user=user).first()
    return None


def directory_search(*, query: str = "", profession: str = "", city: str = "") -> QuerySet[User]:
    """Listed professionals by name, specialty and city. Specialty and city match only where the
    professional made them public: the directory never reveals what they keep private."""
    professionals = User.objects.filter(
        role=Role.PROFESSIONAL, is_active=True, professional_profile__listed=True
    ).select_related("professional_profile")
    for word in query.split():
        professionals = professionals.filter(
            Q(first_name__folded=word)
            | Q(last_name__folded=word)
            | Q(professional_profile__specialty__folded=word, professional_profile__specialty_public=True)
            | Q(professional_profile__city__folded=word, professional_profile__city_public=True)
        )
    if profession:
        professionals = professionals.filter(professional_profile__profession=profession)
    if city.strip():
        professionals = professionals.filter(
            professional_profile__city__folded=city.strip(), professional_profile__city_public=True
        )
    return professionals.order_by("-professional_profile__verified", "last_name", "first_name")


def professional_by_rpps(*, rpps: str) -> User | None:
    """The active professional account holding this RPPS number (unique), whether staff verified it or not;
    None for any other account (a patient or staff member never signs in by an RPPS number)."""
    return (
        User.objects.filter(role=Role.PROFESSIONAL, is_active=True, professional_profile__rpps=rpps)
        .select_related("professional_profile")
        .first()
    )


def dependants_of(user: User) -> QuerySet[User]:
    """The files `user` keeps in force as a parent or guardian (access.Caregiver rows with guardian=True)."""
    guarded = Caregiver.objects.active().filter(caregiver=user, guardian=True).values("patient_id")
    return (
        User.objects.filter(pk__in=guarded, role=Role.PATIENT)
        .select_related("patient_profile", "account_claim")
        .order_by("first_name", "last_name", "pk")
    )


@dataclass(frozen=True)
class CaregivingRoles:
    """What the navigation shows of the files a member helps with or keeps."""

    helps_someone: bool  # a caregiver in force of an active patient: "People I help"
    guards_someone: bool  # keeps a dependant's file as parent or guardian (dependants_of): "Files I manage"


# The caregiver rows in force (Caregiver.objects.active(): accepted, not revoked) of one member, with their
# patient's role and state. In SQL: every page's navigation asks it, and the ORM took ten times as long to
# build the query as the database to answer it (bench/timeline.py).
_CAREGIVING_ROWS = (
    "SELECT caregiver.guardian, patient.role, patient.is_active FROM {caregivers} caregiver"
    " JOIN {users} patient ON patient.id = caregiver.patient_id"
    " WHERE caregiver.caregiver_id = %s AND caregiver.revoked_at IS NULL AND caregiver.accepted_at IS NOT NULL"
)


def caregiving_roles(request) -> CaregivingRoles:
    """The signed-in member's CaregivingRoles, from one query of their caregiver rows in force, asked once per
    request (the navigation's two links read it; most members have no row at all)."""
    roles = getattr(request, "_caregiving_roles", None)
    if roles is None:
        with connection.cursor() as cursor:
            cursor.execute(
                _CAREGIVING_ROWS.format(caregivers=Caregiver._meta.db_table, users=User._meta.db_table),
                [request.user.pk],
            )
            rows = cursor.fetchall()
        roles = CaregivingRoles(
            helps_someone=any(patient_is_active for _guardian, _role, patient_is_active in rows),
            guards_someone=any(guardian and role == Role.PATIENT for guardian, role, _active in rows),
        )
        request._caregiving_roles = roles
    return roles


def dependant_for_guardian(*, user: User, public_id) -> User:
    """One of `user`'s dependants; a 404 for any other patient, so that the page tells nothing of them."""
    dependant = dependants_of(user).filter(public_id=public_id).first()
    if dependant is None:
        raise Http404
    return dependant

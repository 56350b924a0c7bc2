from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from access.models import Caregiver
from accounts.models import PatientProfile, ProfessionalProfile, Role, User
from notifications.models import Notification


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
class Navigation:
    """What the navigation of a signed-in member's pages shows besides its links."""

    unread_notifications: int  # shown in the app and not read yet: the badge beside "Notifications"
    helps_someone: bool  # a caregiver in force of an active patient: "People I help"
    guards_someone: bool  # keeps a dependant's file as parent or guardian (dependants_of): "Files I manage"
    verified_professional: bool  # a professional whose profile is verified: "Identify"


# One query for the whole navigation, in SQL: every page asks it, and the ORM took ten times as long to build
# such queries as the database to answer them (bench/timeline.py). The caregiver rows are those in force, as
# Caregiver.objects.active() says (accepted, not revoked).
_NAVIGATION = (
    "SELECT (SELECT COUNT(*) FROM {notifications} WHERE recipient_id = %(user)s AND in_app = %(true)s"
    " AND read_at IS NULL),"
    " EXISTS (SELECT 1 FROM {caregivers} caregiver JOIN {users} patient ON patient.id = caregiver.patient_id"
    " WHERE caregiver.caregiver_id = %(user)s AND caregiver.revoked_at IS NULL"
    " AND caregiver.accepted_at IS NOT NULL AND patient.is_active = %(true)s),"
    " EXISTS (SELECT 1 FROM {caregivers} caregiver JOIN {users} patient ON patient.id = caregiver.patient_id"
    " WHERE caregiver.caregiver_id = %(user)s AND caregiver.revoked_at IS NULL"
    " AND caregiver.accepted_at IS NOT NULL AND caregiver.guardian = %(true)s AND patient.role = %(patient)s),"
    " EXISTS (SELECT 1 FROM {profiles} WHERE user_id = %(user)s AND verified = %(true)s)"
)


def navigation(request) -> Navigation:
    """The signed-in member's Navigation, asked once per request and only by a page that draws the menu."""
    facts = getattr(request, "_navigation", None)
    if facts is None:
        tables = {"caregivers": Caregiver._meta.db_table, "users": User._meta.db_table}
        tables["profiles"] = ProfessionalProfile._meta.db_table
        sql = _NAVIGATION.format(notifications=Notification._meta.db_table, **tables)
        with connection.cursor() as cursor:
            cursor.execute(sql, {"user": request.user.pk, "true": True, "patient": Role.PATIENT.value})
            unread, helps, guards, verified = cursor.fetchone()
        facts = Navigation(
            unread_notifications=unread,
            helps_someone=bool(helps),
            guards_someone=bool(guards),
            verified_professional=bool(verified),
        )
        request._navigation = facts
    return facts


def dependant_for_guardian(*, user: User, public_id) -> User:
    """One of `user`'s dependants; a 404 for any other patient, so that the page tells nothing of them."""
    dependant = dependants_of(user).filter(public_id=public_id).first()
    if dependant is None:
        raise Http404
    return dependant

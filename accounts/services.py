from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import PatientProfile, ProfessionalProfile, Role, User
from accounts.selectors import profile_of


def _user_create(*, role: str, email: str | None, phone: str | None, password: str, **fields) -> User:
    user = User(role=role, email=email or None, phone=phone or None, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def patient_sign_up(
    *,
    email: str | None,
    phone: str | None,
    password: str,
    first_name: str,
    last_name: str,
    birth_date: date | None = None,
    sex: str = PatientProfile._meta.get_field("sex").default,
    time_zone: str = "Europe/Paris",
    language: str = "fr",
) -> User:
    user = _user_create(
        role=Role.PATIENT,
        email=email,
        phone=phone,
        password=password,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        language=language,
    )
    profile = PatientProfile(user=user, birth_date=birth_date, sex=sex)
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def professional_sign_up(
    *,
    email: str | None,
    phone: str | None,
    password: str,
    first_name: str,
    last_name: str,
    profession: str,
    specialty: str = "",
    rpps: str | None = None,
    practice_address: str = "",
    city: str = "",
    practice_phone: str = "",
    time_zone: str = "Europe/Paris",
    language: str = "fr",
) -> User:
    user = _user_create(
        role=Role.PROFESSIONAL,
        email=email,
        phone=phone,
        password=password,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        language=language,
    )
    profile = ProfessionalProfile(
        user=user,
        profession=profession,
        specialty=specialty,
        rpps=rpps or None,
        practice_address=practice_address,
        city=city,
        practice_phone=practice_phone,
    )
    profile.full_clean()
    profile.save()
    return user


@transaction.atomic
def user_update_profile(*, actor: User, user: User, user_fields: dict, profile_fields: dict) -> User:
    """Updates a user and their role's profile. Only the user themselves or staff may do it."""
    if actor != user and not actor.is_staff:
        raise PermissionDenied
    for name, value in user_fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    profile = profile_of(user)
    if profile is not None:
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    return user


@transaction.atomic
def professionals_verify(*, actor: User, profiles) -> int:
    """Marks professionals as verified (staff only); returns how many were newly verified."""
    if not actor.is_staff:
        raise PermissionDenied
    return ProfessionalProfile.objects.filter(pk__in=[profile.pk for profile in profiles], verified=False).update(
        verified=True, verified_at=timezone.now(), verified_by=actor
    )

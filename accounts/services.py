import secrets
import uuid
from datetime import date, timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from access.models import AccessPath
from accounts import throttling
from accounts.models import AccountClaim, PatientProfile, ProfessionalProfile, Role, User
from accounts.selectors import profile_of
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from relyfe import keys


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
    phone_before = user.phone
    for name, value in user_fields.items():
        setattr(user, name, value)
    if user.phone != phone_before:
        # Confirming the old number said nothing about the new one.
        user.phone_verified_at = None
    user.full_clean()
    user.save()
    profile = profile_of(user)
    if profile is not None:
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    return user


OVERRIDE_REASON_REQUIRED = gettext_lazy("Say why you verify this professional anyway.")
RPPS_NEEDS_NO_OVERRIDE = gettext_lazy("This RPPS number is valid: verify the professional without an exception.")


@transaction.atomic
def professionals_verify(*, actor: User, profiles) -> int:
    """Marks professionals as verified (staff only); returns how many were newly verified. Only those whose
    RPPS number is there and passes its key: the others need `professional_verify_anyway` and a reason."""
    if not actor.is_staff:
        raise PermissionDenied
    checked = [profile.pk for profile in profiles if profile.rpps_is_checked]
    return ProfessionalProfile.objects.filter(pk__in=checked, verified=False).update(
        verified=True, verified_at=timezone.now(), verified_by=actor, verification_override_reason=""
    )


@transaction.atomic
def professional_verify_anyway(*, actor: User, profile: ProfessionalProfile, reason: str) -> ProfessionalProfile:
    """Verifies a professional whose RPPS number is missing or fails its key, which staff may do after
    checking otherwise (the Order's register, a phone call): who, when and why stay on the profile."""
    if not actor.is_staff:
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"verification_override_reason": OVERRIDE_REASON_REQUIRED})
    if profile.rpps_is_checked:
        raise ValidationError(RPPS_NEEDS_NO_OVERRIDE)
    profile = ProfessionalProfile.objects.select_for_update().get(pk=profile.pk)
    profile.verified, profile.verified_at, profile.verified_by = True, timezone.now(), actor
    profile.verification_override_reason = reason
    profile.full_clean()
    profile.save(update_fields=["verified", "verified_at", "verified_by", "verification_override_reason"])
    return profile


def user_unlock_sign_in(*, actor: User, user: User) -> None:
    """Lifts the lock that failed sign-ins put on the account (not on the addresses they came from),
    and writes it in the account's administration history."""
    if not actor.is_staff:
        raise PermissionDenied
    for identifier in (user.email, user.phone):
        if identifier:
            throttling.reset_account(identifier)
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[user],
        action_flag=CHANGE,
        change_message=_("Sign-in unlocked."),
        single_object=True,
    )


# --- Accounts a professional creates for a patient, and how the patient claims them -----------------

CLAIM_LIFETIME = timedelta(days=90)
# No 0/O, 1/I: the code is read from paper and typed on a phone.
CLAIM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CLAIM_CODE_LENGTH = 12


def claim_code_hash(code: str, key: keys.Key | None = None) -> str:
    """Codes are compared by keyed hash, so the database alone does not let anyone claim an account. Keyed
    with the newest of relyfe.keys; a code printed under an older key still works while it is listed."""
    normalized = "".join(character for character in code.upper() if character in CLAIM_ALPHABET)
    return (key or keys.newest()).digest("claim-code", normalized).hex()


def _new_claim_code() -> str:
    code = "".join(secrets.choice(CLAIM_ALPHABET) for _ in range(CLAIM_CODE_LENGTH))
    return "-".join(code[start : start + 4] for start in range(0, CLAIM_CODE_LENGTH, 4))


def _claim_issue(*, user: User, created_by: User, access: AccessPath = AccessPath.GRANT) -> str:
    code = _new_claim_code()
    claim, _created = AccountClaim.objects.update_or_create(
        user=user,
        defaults={
            "created_by": created_by,
            "created_at": timezone.now(),
            "code_hash": claim_code_hash(code),
            "expires_at": timezone.now() + CLAIM_LIFETIME,
            "claimed_at": None,
        },
    )
    audit.record(
        actor=created_by,
        patient=user,
        object_type=ObjectType.ACCOUNT_CLAIM,
        object_id=claim.public_id,
        action=AuditAction.CREATE,
        access=access,
    )
    return code


@transaction.atomic
def patient_create_for_claim(
    *,
    created_by: User,
    public_id: uuid.UUID,
    first_name: str,
    last_name: str,
    approximate_birth_year: int | None,
    language: str,
    email: str | None = None,
    phone: str | None = None,
) -> tuple[User, str]:
    """A patient account with minimal data, made by a professional for a patient who has none; returns
    it with the one-time code the patient claims it with. It has no password until claimed."""
    if not created_by.is_professional:
        raise PermissionDenied
    user = User(
        public_id=public_id,
        role=Role.PATIENT,
        email=email or None,
        phone=phone or None,
        first_name=first_name,
        last_name=last_name,
        language=language,
        time_zone=created_by.time_zone,
        claim_pending=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    profile = PatientProfile(user=user, approximate_birth_year=approximate_birth_year)
    profile.full_clean()
    profile.save()
    return user, _claim_issue(user=user, created_by=created_by)


def validate_new_patient(*, first_name: str, last_name: str, approximate_birth_year: int | None, email, phone) -> None:
    """Checks what `patient_create_for_claim` would refuse, before anything slow or external is done."""
    user = User(role=Role.PATIENT, first_name=first_name, last_name=last_name, email=email or None, phone=phone or None)
    user.claim_pending = True
    user.full_clean(exclude=["password"])
    PatientProfile(user=user, approximate_birth_year=approximate_birth_year).full_clean(exclude=["user"])


@transaction.atomic
def account_claim_renew(*, actor: User, user: User) -> str:
    """A new code for an account still waiting to be claimed (the old one stops working): for the
    professional who made it, when the patient lost the paper."""
    claim = AccountClaim.objects.select_for_update().filter(user=user).first()
    if claim is None or not user.claim_pending or claim.created_by_id != actor.pk:
        raise PermissionDenied
    return _claim_issue(user=user, created_by=actor)


def account_claim_find(code: str) -> AccountClaim | None:
    hashes = [claim_code_hash(code, key) for key in keys.verifying()]
    claim = AccountClaim.objects.select_related("user").filter(code_hash__in=hashes).first()
    return claim if claim is not None and claim.is_usable and claim.user.claim_pending else None


@transaction.atomic
def account_claim_redeem(*, code: str, email: str | None, phone: str | None, password: str) -> User:
    """The patient takes the account over: chooses how they sign in and sets their password."""
    claim = account_claim_find(code)
    if claim is None:
        raise ValidationError(
            _("This code is not valid, or it has expired. Ask the professional for a new one."), code="invalid_code"
        )
    user = User.objects.select_for_update().get(pk=claim.user_id)
    if not (email or phone or user.email or user.phone):
        raise ValidationError(
            _("Enter an e-mail address or a mobile phone number to sign in with."), code="no_identifier"
        )
    user.email = email or user.email
    user.phone = phone or user.phone
    validate_password(password, user)
    user.set_password(password)
    user.claim_pending = False
    user.full_clean()
    user.save()
    claim.claimed_at = timezone.now()
    claim.save(update_fields=["claimed_at"])
    # Imported here: the dependants' services issue their codes through this module.
    from accounts.dependant_services import guardians_end_at_takeover

    guardians_end_at_takeover(user=user)
    audit.record(
        actor=user,
        patient=user,
        object_type=ObjectType.ACCOUNT_CLAIM,
        object_id=claim.public_id,
        action=AuditAction.UPDATE,
        access=AccessPath.OWNER,
    )
    return user


def account_claim_send(*, user: User, code: str, claim_url: str, professional: User) -> None:
    """The invitation by e-mail. Sent from the web process, not a task: the code must not travel
    through the broker."""
    if not user.email:
        return
    with override(user.language):
        subject = _("%(name)s created your ReLyfe account") % {"name": professional.full_name}
        body = _(
            "Hello %(patient)s,\n\n%(name)s created a ReLyfe account for you, to keep your health documents."
            "\nTo take it over and choose your password, open %(url)s and enter this code:\n\n%(code)s"
            "\n\nThe code is valid until %(date)s.\n\n— ReLyfe"
        ) % {
            "patient": user.first_name,
            "name": professional.full_name,
            "url": claim_url,
            "code": code,
            "date": timezone.localtime(user.account_claim.expires_at).strftime("%d/%m/%Y"),
        }
    send_mail(subject, body, None, [user.email])

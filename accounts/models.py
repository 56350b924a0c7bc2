import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.user_agents import device_label
from accounts.validators import rpps_checksum_is_valid, validate_rpps, validate_time_zone
from relyfe.identifiers import canonical_identifier, format_phone


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PROFESSIONAL = "professional", _("Health professional")
    STAFF = "staff", _("Staff")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNSPECIFIED = "unspecified", _("Prefer not to say")


class DependantRelation(models.TextChoices):
    """Why someone else keeps a patient's file: a child's parent, or the guardian of an adult under
    guardianship. Empty for everyone who keeps their own."""

    CHILD = "child", _("Child")
    ADULT_UNDER_GUARDIANSHIP = "adult_under_guardianship", _("Adult under guardianship")


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    MIDWIFE = "midwife", _("Midwife")
    DENTIST = "dentist", _("Dentist")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    OTHER = "other", _("Other health professional")


class UserManager(BaseUserManager):
    def get_by_natural_key(self, identifier):
        """Finds a user by e-mail or phone, written in any form the sign-in page accepts."""
        parsed = canonical_identifier(identifier)
        if parsed is None:
            raise self.model.DoesNotExist
        kind, value = parsed
        return self.get(**{kind: value})

    def create_user(self, email=None, password=None, **fields):
        user = self.model(email=email or None, **fields)
        user.set_password(password)
        user.full_clean()
        user.save(using=self._db)
        return user

    def create_superuser(self, email=None, password=None, **fields):
        fields.update(role=Role.STAFF, is_superuser=True)
        return self.create_user(email=email, password=password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in. Names, time zone and language belong to every role, so they live here;
    what is particular to patients and professionals lives in their profile."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored lower-cased; NULL (not "") when absent so that uniqueness holds for those who have one.
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    # A mobile number in E.164 ("+33612345678").
    phone = models.CharField(_("mobile phone"), max_length=16, unique=True, null=True, blank=True)
    # When the user typed a code sent to `phone`; cleared when the number changes. Numbers set before
    # verification existed stay unverified: they still sign in, and are asked to confirm.
    phone_verified_at = models.DateTimeField(_("phone confirmed at"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    is_active = models.BooleanField(_("active"), default=True)
    # A patient account a professional created (quick account after a face identification) that the
    # patient has not claimed yet: no password, and possibly no e-mail or phone.
    claim_pending = models.BooleanField(_("waiting to be claimed by the patient"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False) | Q(claim_pending=True),
                name="user_has_a_sign_in_identifier",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_is_known"),
        ]

    def __str__(self):
        return self.full_name or self.email or self.phone_display

    def clean(self):
        super().clean()
        if self.email:
            self.email = self.email.strip().lower()
        self.email = self.email or None
        self.phone = self.phone or None

    @property
    def is_staff(self) -> bool:
        """Only staff reach the Django admin."""
        return self.role == Role.STAFF and self.is_active

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_professional(self) -> bool:
        return self.role == Role.PROFESSIONAL

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phone_is_verified(self) -> bool:
        return bool(self.phone) and self.phone_verified_at is not None

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""

    def save(self, *args, **kwargs):
        # set_password() keeps the new password in _password until the save; a hash upgrade at sign-in
        # clears it first, so this is a real change. Whatever changed it (the password page, a reset by
        # e-mail or by text message, an account claim, the admin, `manage.py changepassword`), the API
        # tokens issued under the old password stop working, as the web sessions do.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self).revoke(reason=ApiTokenRevocation.PASSWORD_CHANGED)
            # Django ends the browser sessions through the session auth hash; their rows say so too. The
            # password page opens its own session's row again (accounts.user_sessions).
            UserSession.objects.filter(user=self).end(reason=UserSessionEnd.PASSWORD_CHANGED)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name


class PatientProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient_profile")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNSPECIFIED)
    # When only an approximate age is known (a quick account made by a professional): the year, about.
    approximate_birth_year = models.PositiveSmallIntegerField(_("approximate birth year"), null=True, blank=True)
    # A dependant's file, made and kept by a parent or guardian (access.Caregiver with guardian=True) until
    # the dependant takes it over: what they are to their guardian. Kept after the takeover, as history.
    dependant_relation = models.CharField(
        _("dependant"), max_length=32, choices=DependantRelation.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("patient profile")
        verbose_name_plural = _("patient profiles")
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="patient_sex_is_known"),
            models.CheckConstraint(
                condition=Q(dependant_relation__in=["", *DependantRelation.values]),
                name="patient_dependant_relation_is_known",
            ),
        ]

    def __str__(self):
        return str(self.user)

    def clean(self):
        super().clean()
        this_year = timezone.now().year
        if self.approximate_birth_year is not None and not this_year - 130 <= self.approximate_birth_year <= this_year:
            raise ValidationError(
                {
                    "approximate_birth_year": _("Enter a year between %(first)s and %(last)s.")
                    % {"first": this_year - 130, "last": this_year}
                }
            )


class ProfessionalProfile(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="professional_profile", verbose_name=_("user")
    )
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    specialty = models.CharField(_("specialty"), max_length=120, blank=True)
    rpps = models.CharField(
        _("RPPS number"), max_length=11, unique=True, null=True, blank=True, validators=[validate_rpps]
    )
    practice_address = models.CharField(_("practice address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    practice_phone = models.CharField(_("practice phone"), max_length=16, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    # Why staff verified a professional whose RPPS number is missing or fails its key (empty otherwise):
    # with verified_by and verified_at, the record of that exception.
    verification_override_reason = models.TextField(_("reason for verifying without a valid RPPS number"), blank=True)
    # The directory shows a professional's name and profession when they are listed, and only the
    # other parts of their profile they chose to make public.
    # Booleans rather than a list, so that the directory can search what is public on any database.
    listed = models.BooleanField(_("list me in the directory of professionals"), default=True)
    specialty_public = models.BooleanField(_("show my specialty"), default=True)
    city_public = models.BooleanField(_("show my city"), default=True)
    practice_address_public = models.BooleanField(_("show my practice address"), default=False)
    practice_phone_public = models.BooleanField(_("show my practice phone"), default=False)

    class Meta:
        verbose_name = _("professional profile")
        verbose_name_plural = _("professional profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(rpps__regex=r"^[0-9]{11}$") | Q(rpps__isnull=True), name="rpps_has_11_digits"
            ),
            models.CheckConstraint(
                condition=Q(verified=False) | Q(verified_at__isnull=False), name="verified_professional_has_a_date"
            ),
        ]

    def __str__(self):
        return str(self.user)

    def clean(self):
        super().clean()
        self.rpps = self.rpps or None

    @property
    def rpps_checksum_is_valid(self) -> bool | None:
        return rpps_checksum_is_valid(self.rpps) if self.rpps else None

    @property
    def rpps_is_checked(self) -> bool:
        """An RPPS number whose key holds: staff may verify the professional in one step."""
        return bool(self.rpps_checksum_is_valid)

    @property
    def practice_phone_display(self) -> str:
        return format_phone(self.practice_phone) if self.practice_phone else ""


class AccountClaim(models.Model):
    """How a patient takes over an account a professional created for them: a one-time code, printed or
    sent by e-mail or text message, that lets them choose how they sign in and set their password."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="account_claim")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Only a hash is kept, as for passwords; the code itself is shown once to the professional.
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("account claim")
        verbose_name_plural = _("account claims")

    def __str__(self):
        return str(self.user)

    @property
    def is_usable(self) -> bool:
        return self.claimed_at is None and self.expires_at > timezone.now()


class PhoneCodePurpose(models.TextChoices):
    PASSWORD_RESET = "password_reset", _("password reset")
    VERIFICATION = "verification", _("phone confirmation")
    SECOND_FACTOR = "second_factor", _("second factor at sign-in")


class PhoneCode(models.Model):
    """A six-digit code sent by text message to prove that someone holds a phone: to choose a new
    password, or to confirm the number of an account.

    The web request only asks for a code; the worker draws it, keeps its keyed hash and sends it, so the
    code never travels through the broker nor rests in the database. Only the latest code of a user
    for a purpose works, for a few minutes and a few attempts.
    """

    Purpose = PhoneCodePurpose

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_codes")
    purpose = models.CharField(max_length=16, choices=PhoneCodePurpose.choices)
    # The number the code goes to: confirming it confirms this number, not one set since.
    phone = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Empty until the worker sent the code.
    code_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # A code used to choose a new password: when the user was told of the change (once, however many
    # times the task runs).
    change_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=PhoneCodePurpose.values), name="phone_code_purpose_is_known"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | ~Q(code_hash=""), name="sent_phone_code_has_a_hash"
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} — {self.user}"


class ApiTokenRevocation(models.TextChoices):
    SIGNED_OUT = "signed_out", _("signed out")
    BY_USER = "by_user", _("revoked by the user")
    PASSWORD_CHANGED = "password_changed", _("password changed")  # pragma: allowlist secret
    BY_STAFF = "by_staff", _("revoked by staff")
    TOO_MANY = "too_many", _("too many devices signed in")


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def revoke(self, *, reason: str, by: "User | None" = None) -> int:
        """Revokes the tokens not revoked yet (expired ones too: the list says why each one ended)."""
        return self.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason, revoked_by=by
        )


class ApiToken(models.Model):
    """One signed-in device of the API (a phone's app): its own token, which expires and can be revoked
    alone. Only a SHA-256 digest of the token is kept, so the database alone signs nobody in; the token
    is shown once, to the device that signed in. The first characters (`prefix`) find the row, the
    digest is then compared in constant time (accounts/tokens.py).

    Revoked tokens stay, with when and why, so that the list of devices stays true; issue 18's "sessions
    and devices" page reads the same fields (device, browser, address, dates)."""

    Revocation = ApiTokenRevocation

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    # Empty for the tokens converted from the one token per user of before (migration 0008).
    device_name = models.CharField(_("device"), max_length=100, blank=True)
    user_agent = models.CharField(_("browser or app"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    created_address = models.GenericIPAddressField(_("address at sign-in"), null=True, blank=True)
    # Written at most once an hour (with the renewed expiry), not on every request.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_address = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=20, choices=ApiTokenRevocation.choices, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False, revoked_reason__in=ApiTokenRevocation.values),
                name="api_token_revocation_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.device_name} — {self.user}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def last_address(self) -> str | None:
        return self.last_used_address or self.created_address


class UserSessionEnd(models.TextChoices):
    SIGNED_OUT = "signed_out", _("signed out")
    BY_USER = "by_user", _("ended by the user")
    PASSWORD_CHANGED = "password_changed", _("password changed")  # pragma: allowlist secret
    SIGNED_IN_AGAIN = "signed_in_again", _("signed in again")


class UserSessionQuerySet(models.QuerySet):
    def live(self):
        """Not ended, and used recently enough for Django's session to still be alive: a session ends after
        SESSION_COOKIE_AGE without a request, and its last use is written at most every LAST_SEEN_INTERVAL."""
        idle_limit = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE) - UserSession.LAST_SEEN_INTERVAL
        return self.filter(ended_at__isnull=True, last_seen_at__gt=idle_limit)

    def end(self, *, reason: str) -> int:
        return self.filter(ended_at__isnull=True).update(ended_at=timezone.now(), ended_reason=reason)


class UserSession(models.Model):
    """One browser signed in to an account (Django's session), for the page "Your sessions and devices".

    The session itself holds this row's `public_id` (never the other way round: no session key is stored
    here, so the table signs nobody in, and Django changes the key at each sign-in and password change while
    the id in the session stays). A middleware signs out a session whose row was ended."""

    End = UserSessionEnd
    # The last use is written at most this often: not a write per request.
    LAST_SEEN_INTERVAL = timedelta(minutes=1)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions", verbose_name=_("user"))
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    created_address = models.GenericIPAddressField(_("address at sign-in"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last used"), default=timezone.now)
    last_seen_address = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_reason = models.CharField(_("why ended"), max_length=20, choices=UserSessionEnd.choices, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("browser session")
        verbose_name_plural = _("browser sessions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "ended_at", "last_seen_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_reason="")
                | Q(ended_at__isnull=False, ended_reason__in=UserSessionEnd.values),
                name="user_session_end_has_a_reason",
            ),
        ]

    def __str__(self):
        return f"{self.device} — {self.user}"

    @property
    def device(self) -> str:
        """The browser and its system ("Firefox on Windows") in the reader's language: the User-Agent is kept."""
        return device_label(self.user_agent)

    @property
    def last_address(self) -> str | None:
        return self.last_seen_address or self.created_address


class KnownDevice(models.Model):
    """A browser or an app that already signed in to an account: a sign-in from any other one e-mails the
    owner. A browser is known by a long-lived random cookie, an app by its name and User-Agent; only a
    SHA-256 digest of either is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    digest = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices")
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="known_device_once_per_user")]

    def __str__(self):
        return f"{self.user} — {self.first_seen_at:%Y-%m-%d}"


class PendingSignUp(models.Model):
    """A sign-up waiting for its e-mail address or phone to be confirmed: the account is made only when the
    link sent there is opened. Until then nobody can tell — not even the person signing up — whether the
    address already had an account: both get the same page, and the owner of an existing account a notice
    instead of a link."""

    role = models.CharField(max_length=16, choices=Role.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=16, blank=True)
    # Hashed as a user's password is; copied onto the account when it is made.
    password = models.CharField(max_length=128)
    # The other fields of the form, for the account and its profile (dates in ISO form).
    details = models.JSONField(default=dict)
    # Only the hash of the link's token is kept.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up waiting for confirmation")
        verbose_name_plural = _("sign-ups waiting for confirmation")
        constraints = [
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="pending_sign_up_has_an_identifier"),
        ]

    def __str__(self):
        return self.email or self.phone or ""

    @property
    def is_usable(self) -> bool:
        return self.confirmed_at is None and self.expires_at > timezone.now()


# Passkeys (WebAuthn credentials) live in their own module; see its docstring for why they are imported last.
from accounts.passkey_models import Passkey, PasskeyAttestation  # noqa: E402, F401

# The second factor's own models live with its code; imported here so that they belong to this app.
from accounts.two_factor.models import SecondFactorChange, SecondFactorEvent, SmsDevice  # noqa: E402, F401

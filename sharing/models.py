import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Grant, Permission, Scope
from health_records.models import HealthRecord


class ShareLinkQuerySet(models.QuerySet):
    def usable(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


class ShareLink(models.Model):
    """Chosen records shared with anyone by a link. Only a hash of the token is stored: the link is
    shown once, when it is made."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    records = models.ManyToManyField(HealthRecord, related_name="share_links")
    label = models.CharField(_("for whom"), max_length=120, blank=True)
    recipient_email = models.EmailField(_("send it to"), blank=True)
    passcode_hash = models.CharField(max_length=128, blank=True)
    allow_comments = models.BooleanField(_("the recipient may leave a comment"), default=False)
    # A face in a wound photo identifies the patient to whoever holds the link: blurred unless the patient
    # chose otherwise.
    mask_faces = models.BooleanField(_("blur faces in photos"), default=True)
    max_opens = models.PositiveIntegerField(_("maximum number of opens"), null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires on"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="link_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(max_opens__isnull=True) | Q(max_opens__gte=1), name="link_max_opens_positive"
            ),
        ]

    def __str__(self):
        return self.label or str(self.public_id)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def has_opens_left(self) -> bool:
        return self.max_opens is None or self.open_count < self.max_opens

    @property
    def has_passcode(self) -> bool:
        return bool(self.passcode_hash)


class BloodGroup(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    A_POS = "A+", "A+"
    A_NEG = "A-", "A-"
    B_POS = "B+", "B+"
    B_NEG = "B-", "B-"
    AB_POS = "AB+", "AB+"
    AB_NEG = "AB-", "AB-"
    O_POS = "O+", "O+"
    O_NEG = "O-", "O-"


class OrganDonation(models.TextChoices):
    UNSPECIFIED = "", _("Not said")
    YES = "yes", _("I am an organ donor")
    NO = "no", _("I refuse organ donation")


class EmergencyProfile(models.Model):
    """What a first responder sees on the patient's public emergency page. Off until the patient turns
    it on; each section shows only when the patient ticked it."""

    SECTIONS = [
        "blood_group",
        "allergies",
        "conditions",
        "treatments",
        "emergency_contacts",
        "treating_doctor",
        "medical_devices",
        "advance_directives",
        "organ_donation",
        "note",
    ]

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_profile")
    enabled = models.BooleanField(_("the emergency page is on"), default=False)
    visible_sections = models.JSONField(default=list, blank=True)
    blood_group = models.CharField(_("blood group"), max_length=3, choices=BloodGroup.choices, blank=True)
    allergies = models.TextField(_("allergies"), blank=True, max_length=2000)
    conditions = models.TextField(_("chronic conditions"), blank=True, max_length=2000)
    # Before the treatments app, the current treatments were written here by hand, and went stale: the
    # text is kept (as other treatments and notes) and the current ones come from the treatments app.
    treatments = models.TextField(_("other treatments and notes"), blank=True, max_length=2000)
    show_current_treatments = models.BooleanField(
        _("show my current treatments"),
        default=False,
        help_text=_(
            "The medications of your current treatments in ReLyfe, with their strength and when to take "
            "them: always up to date."
        ),
    )
    emergency_contacts = models.TextField(_("emergency contacts"), blank=True, max_length=1000)
    treating_doctor = models.CharField(_("treating doctor"), blank=True, max_length=300)
    medical_devices = models.TextField(_("medical devices"), blank=True, max_length=1000)
    advance_directives = models.TextField(_("advance directives"), blank=True, max_length=2000)
    organ_donation = models.CharField(_("organ donation"), max_length=3, choices=OrganDonation.choices, blank=True)
    note = models.TextField(_("note for first responders"), blank=True, max_length=1000)
    # The public URL's token is derived from this nonce and the server's secret (see heartcode tokens):
    # the database alone does not reveal it. Regenerating changes the nonce, which kills the old URL.
    token_nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    break_glass_enabled = models.BooleanField(
        _("verified professionals may open my file at once in an emergency"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.patient)

    def shows(self, section: str) -> bool:
        return section in self.visible_sections


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for your answer")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AccessRequest(models.Model):
    """A visitor of the emergency page asks for temporary access; nothing is visible before approval."""

    class Role(models.TextChoices):
        PROFESSIONAL = "professional", _("Health professional")
        OTHER = "other", _("Other (family, carer…)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("your name"), max_length=150)
    role = models.CharField(_("you are"), max_length=12, choices=Role.choices)
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    reason = models.TextField(_("why you need access"), max_length=1000)
    contact_email = models.EmailField(_("your e-mail"), blank=True)
    contact_phone = models.CharField(_("your phone"), max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    share_link = models.ForeignKey(ShareLink, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The visitor's status page and the link they get are derived from this nonce (see tokens); only the
    # status token's hash is kept, to find the request from its URL.
    token_nonce = models.CharField(max_length=32, blank=True)
    status_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # The visitor's language, for the messages that tell them the answer.
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccessRequestStatus.values), name="request_status_known"),
            models.CheckConstraint(
                condition=~Q(contact_email="", contact_phone="", requester__isnull=True),
                name="request_has_a_way_to_answer",
            ),
        ]

    def __str__(self):
        return f"{self.name} → {self.patient}"

    @property
    def is_expired(self) -> bool:
        return self.status == AccessRequestStatus.PENDING and self.expires_at <= timezone.now()


PERMISSION_RANK = {Permission.READ: 0, Permission.COMMENT: 1, Permission.CONTRIBUTE: 2}


class SharingSettings(models.Model):
    """What the patient allows their care team to do without asking each time."""

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sharing_settings")
    team_may_invite = models.BooleanField(_("my care team may invite colleagues without asking me"), default=False)
    invite_max_permission = models.CharField(
        _("with at most"), max_length=12, choices=Permission.choices, default=Permission.READ
    )

    def __str__(self):
        return str(self.patient)

    def allows(self, permission: str) -> bool:
        return self.team_may_invite and PERMISSION_RANK[permission] <= PERMISSION_RANK[self.invite_max_permission]


class CareTeamProposal(models.Model):
    """A professional of the care team proposes a colleague; the patient approves (a grant) or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for your answer")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    professional = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("message to the patient"), max_length=1000, blank=True)
    scope = models.CharField(_("what they would see"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    kinds = models.JSONField(default=list, blank=True)
    permission = models.CharField(_("what they could do"), max_length=12, choices=Permission.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "professional"], condition=Q(status="pending"), name="one_pending_proposal_per_pair"
            ),
            models.CheckConstraint(condition=Q(scope__in=[Scope.ALL, Scope.KINDS]), name="proposal_scope_all_or_kinds"),
        ]

    def __str__(self):
        return f"{self.professional} for {self.patient}"

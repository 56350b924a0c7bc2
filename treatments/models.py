import datetime
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from health_records.models import HealthRecord


class Moment(models.TextChoices):
    MORNING = "morning", _("Morning")
    NOON = "noon", _("Noon")
    EVENING = "evening", _("Evening")
    BEDTIME = "bedtime", _("Bedtime")


DEFAULT_MOMENT_TIMES = {
    Moment.MORNING: datetime.time(8, 0),
    Moment.NOON: datetime.time(12, 0),
    Moment.EVENING: datetime.time(19, 0),
    Moment.BEDTIME: datetime.time(22, 0),
}


class ReminderSettings(models.Model):
    """When a patient's four moments of the day are, in their own time zone (the user's)."""

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings")
    morning_at = models.TimeField(_("morning"), default=DEFAULT_MOMENT_TIMES[Moment.MORNING])
    noon_at = models.TimeField(_("noon"), default=DEFAULT_MOMENT_TIMES[Moment.NOON])
    evening_at = models.TimeField(_("evening"), default=DEFAULT_MOMENT_TIMES[Moment.EVENING])
    bedtime_at = models.TimeField(_("bedtime"), default=DEFAULT_MOMENT_TIMES[Moment.BEDTIME])
    enabled = models.BooleanField(_("remind me"), default=True)
    show_drug_names = models.BooleanField(_("name the medications in reminders"), default=False)
    snooze_minutes = models.PositiveSmallIntegerField(_("snooze for (minutes)"), default=15)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(snooze_minutes__gte=5, snooze_minutes__lte=240), name="snooze_between_5_and_240_minutes"
            )
        ]

    def __str__(self):
        return str(self.patient)

    def time_of(self, moment: str) -> datetime.time:
        return getattr(self, f"{moment}_at")


class TreatmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")
    FINISHED = "finished", _("Finished")


# Never stored: what an active treatment is before its start date.
UPCOMING = "upcoming"
EFFECTIVE_STATUS_CHOICES = [*TreatmentStatus.choices, (UPCOMING, _("Upcoming"))]
STATUS_LABELS = dict(EFFECTIVE_STATUS_CHOICES)
OVER = (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED)


def over_on(day: datetime.date) -> Q:
    """The treatments over on `day`, as a query (the same rule as `Treatment.status_on`)."""
    return Q(status__in=OVER) | Q(end_date__lt=day)


def patient_today(patient) -> datetime.date:
    """Today where the patient is, whoever looks."""
    return timezone.now().astimezone(ZoneInfo(patient.time_zone)).date()


class PrescriptionZone(models.TextChoices):
    """Where a medication was written on a two-zone prescription (ordonnance bizone): the upper zone for
    the patient's long-term condition (ALD, fully reimbursed), the lower one for anything else."""

    NONE = "", _("not a two-zone prescription")
    ALD = "ald", _("long-term condition (ALD)")
    OTHER = "other", _("other conditions (not ALD)")


# The identifier of an e-prescription (ordonnance numérique) as its QR code carries it.
EPRESCRIPTION_ID_MAX_LENGTH = 64


class Treatment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="treatments")
    prescription = models.ForeignKey(
        HealthRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="treatments",
        verbose_name=_("prescription"),
    )
    title = models.CharField(_("name"), max_length=200, help_text=_("What it treats, for example “Angine”."))
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prescriber"),
    )
    prescriber_name = models.CharField(_("prescriber"), max_length=200, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TreatmentStatus.choices, default=TreatmentStatus.ACTIVE
    )
    eprescription_id = models.CharField(
        _("e-prescription identifier"), max_length=EPRESCRIPTION_ID_MAX_LENGTH, blank=True, db_index=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["patient", "status"], name="treatment_patient_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TreatmentStatus.values), name="treatment_status_known"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="treatment_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def prescriber_display(self) -> str:
        return self.prescriber.full_name if self.prescriber_id else self.prescriber_name

    def status_on(self, day: datetime.date) -> str:
        """What the treatment is on `day`. The dates decide at read time, over the stored status: a treatment
        whose end date is past is finished, one whose start is to come is upcoming. Computing it when read
        (rather than a nightly task writing "finished") means no page, reminder or API answer can show a
        stale fact when a beat runs late, and a prescription confirmed long after its dates is finished at
        once. Only what a person decided (pause, stop, finish) is stored."""
        if self.status in OVER:
            return self.status
        if self.end_date is not None and self.end_date < day:
            return TreatmentStatus.FINISHED
        if self.status == TreatmentStatus.PAUSED:
            return self.status
        if day < self.start_date:
            return UPCOMING
        return TreatmentStatus.ACTIVE

    @property
    def effective_status(self) -> str:
        return self.status_on(patient_today(self.patient))

    def get_effective_status_display(self) -> str:
        return STATUS_LABELS[self.effective_status]

    def is_current(self, day: datetime.date) -> bool:
        """Whether its doses are due on `day` (active, and inside its dates)."""
        return self.status_on(day) == TreatmentStatus.ACTIVE


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Medication(models.Model):
    """One medicine of a treatment and when to take it. Its moments are four booleans rather than a list
    so that the reminder planner can find what is due with a plain indexed query on any database."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(_("medication, as written"), max_length=200)
    substance = models.CharField(_("active substance"), max_length=300, blank=True)
    cis = models.CharField(_("CIS code"), max_length=8, blank=True)
    strength = models.CharField(_("strength"), max_length=100, blank=True)
    form = models.CharField(_("form"), max_length=100, blank=True)
    dose = models.DecimalField(_("dose per intake"), max_digits=6, decimal_places=2, default=1)
    dose_unit = models.CharField(_("unit"), max_length=40, default="comprimé")
    morning = models.BooleanField(_("morning"), default=False)
    noon = models.BooleanField(_("noon"), default=False)
    evening = models.BooleanField(_("evening"), default=False)
    bedtime = models.BooleanField(_("bedtime"), default=False)
    # Explicit clock times ("HH:MM"), for medications that are not taken at the moments of the day.
    times = models.JSONField(_("at these times"), default=list, blank=True)
    # Days of the week (0 = Monday) when not every day.
    weekdays = models.JSONField(_("only on these days"), default=list, blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    as_needed = models.BooleanField(_("as needed (never reminded)"), default=False)
    instructions = models.CharField(_("instructions"), max_length=300, blank=True)
    zone = models.CharField(_("prescription zone"), max_length=5, choices=PrescriptionZone.choices, blank=True)
    # Renewals the prescription allows ("à renouveler 2 fois", "AR"), and how many days one dispensing
    # covers ("QSP 1 mois" = 30); pack_size is the number of units (tablets…) in one box, from the BDPM
    # presentation when known, or entered.
    renewals = models.PositiveSmallIntegerField(_("renewals allowed"), default=0)
    supply_days = models.PositiveSmallIntegerField(_("days covered by one dispensing"), null=True, blank=True)
    pack_size = models.PositiveIntegerField(_("units per box"), null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(dose__gt=0), name="medication_dose_positive"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="medication_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def moments(self) -> list[str]:
        return [moment for moment in Moment.values if getattr(self, moment)]

    def is_taken_on(self, day: datetime.date) -> bool:
        """Whether the medication is planned on that day (dates and days of the week; not its status)."""
        if day < self.start_date or (self.end_date is not None and day > self.end_date):
            return False
        return not self.weekdays or day.weekday() in self.weekdays


class ReminderDispatch(models.Model):
    """One reminder to one patient for one moment of one day. The unique constraint is what makes
    sending exactly-once: however many beats or workers run, only one row exists, and it is sent once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        LATE = "late", _("too late to send")
        CANCELLED = "cancelled", _("nothing left to take")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    local_date = models.DateField()
    # A moment of the day, or "HH:MM" for medications taken at an explicit time.
    moment = models.CharField(max_length=10)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "local_date", "moment"], name="one_reminder_per_patient_moment"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="dispatch_status_due")]

    def __str__(self):
        return f"{self.patient_id} {self.local_date} {self.moment}"


class Intake(models.Model):
    """One dose to take: a medication at a moment of a day. Unique, so that it is planned once, and the
    patient marks it taken, skipped or snoozed."""

    class Status(models.TextChoices):
        DUE = "due", _("to take")
        TAKEN = "taken", _("taken")
        SKIPPED = "skipped", _("skipped")
        SNOOZED = "snoozed", _("snoozed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="intakes")
    dispatch = models.ForeignKey(
        ReminderDispatch, on_delete=models.PROTECT, null=True, blank=True, related_name="intakes"
    )
    local_date = models.DateField()
    moment = models.CharField(max_length=10)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Who answered: the patient, or a caregiver they allowed to answer (the patient's pages say which).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["medication", "local_date", "moment"], name="one_intake_per_medication_moment"
            ),
        ]
        indexes = [models.Index(fields=["status", "snoozed_until"], name="intake_status_snooze")]

    def __str__(self):
        return f"{self.medication_id} {self.local_date} {self.moment}"


class PrescriptionReading(models.Model):
    """Reading one file of a prescription record: progress while a worker reads it, then the proposed
    medications, which a person reviews and confirms. Nothing becomes a treatment without that."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting to be read")
        READING = "reading", _("being read")
        READY = "ready", _("ready to review")
        FAILED = "failed", _("could not be read")
        CONFIRMED = "confirmed", _("confirmed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(HealthRecord, on_delete=models.PROTECT, related_name="readings")
    record_file = models.OneToOneField("health_records.RecordFile", on_delete=models.PROTECT, related_name="reading")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    engine = models.CharField(max_length=30, blank=True)
    # Read from the prescription's QR code; the same identifier on another reading of the patient's is
    # the same prescription sent twice.
    eprescription_id = models.CharField(max_length=EPRESCRIPTION_ID_MAX_LENGTH, blank=True, db_index=True)
    # The proposal, as `extract_prescription --json` prints it for one file.
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was last queued, how many runs a worker started and when the last one did
    # (relyfe.outbox.run_started): STUCK_MAX_ATTEMPTS runs started without finishing mark it failed.
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reading_progress_is_a_percentage"),
        ]

    def __str__(self):
        return f"{self.record_id} {self.status}"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.READING)


class DrugClass(models.TextChoices):
    """Classes of drugs an allergy can name. Which substances each holds is built from the BDPM by
    `build_drug_lexicon` (treatments/safety/, which says where each list comes from)."""

    PENICILLINS = "penicillins", _("Penicillins")
    CEPHALOSPORINS = "cephalosporins", _("Cephalosporins")
    CARBAPENEMS = "carbapenems", _("Carbapenems")
    SULFONAMIDES = "sulfonamides", _("Sulfonamides (sulfa drugs)")
    NSAIDS = "nsaids", _("Anti-inflammatory drugs (NSAIDs, aspirin)")
    MACROLIDES = "macrolides", _("Macrolides")
    FLUOROQUINOLONES = "fluoroquinolones", _("Fluoroquinolones")
    OPIOIDS = "opioids", _("Opioids")
    IODINATED_CONTRAST = "iodinated_contrast", _("Iodinated contrast media")
    LATEX = "latex", _("Latex")


class Allergy(models.Model):
    """An allergy or intolerance of a patient, to one substance or to a class of drugs: data the safety
    checks read, and that the emergency profile shows when the patient chooses. Removed, never deleted."""

    class Kind(models.TextChoices):
        ALLERGY = "allergy", _("Allergy")
        INTOLERANCE = "intolerance", _("Intolerance")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        LIFE_THREATENING = "life_threatening", _("Life-threatening (anaphylaxis)")
        UNKNOWN = "unknown", _("Not known")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allergies")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ALLERGY)
    # One of the two: a substance as the lexicon names it ("AMOXICILLINE"), or a class.
    substance = models.CharField(_("substance"), max_length=300, blank=True)
    drug_class = models.CharField(_("class of drugs"), max_length=30, choices=DrugClass.choices, blank=True)
    # What the patient or the professional wrote ("Pénicilline"), shown as is.
    label = models.CharField(_("allergy to"), max_length=200)
    reaction = models.CharField(_("reaction"), max_length=300, blank=True)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.UNKNOWN)
    on_emergency_profile = models.BooleanField(_("show on my emergency profile"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["label", "id"]
        verbose_name = _("allergy")
        verbose_name_plural = _("allergies")
        constraints = [
            models.CheckConstraint(
                condition=~Q(substance="") | ~Q(drug_class=""), name="allergy_names_a_substance_or_a_class"
            ),
            models.CheckConstraint(condition=Q(kind__in=["allergy", "intolerance"]), name="allergy_kind_known"),
        ]

    def __str__(self):
        return self.label


class SafetyOverride(models.Model):
    """A professional confirmed a medication despite a safety warning, with a reason. The warning it answers
    is named by its code and key (treatments/safety/); the patient still sees the warning, as information."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="safety_overrides")
    code = models.CharField(max_length=40)
    key = models.CharField(max_length=300)
    reason = models.CharField(_("reason"), max_length=500)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["medication", "code", "key"], name="one_override_per_medication_warning"),
            models.CheckConstraint(condition=~Q(reason=""), name="safety_override_has_a_reason"),
        ]

    def __str__(self):
        return f"{self.medication_id} {self.code}"


class Dispensing(models.Model):
    """A pharmacy gave the patient a medication (first dispensing or a renewal), as the patient records it:
    what the stock and the next renewal are computed from."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="dispensings")
    dispensed_on = models.DateField(_("dispensed on"))
    boxes = models.PositiveSmallIntegerField(_("boxes"), default=1)
    # Units given (boxes times the pack size when known, or entered).
    units = models.DecimalField(_("units"), max_digits=7, decimal_places=2, null=True, blank=True)
    is_renewal = models.BooleanField(_("renewal"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-dispensed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(boxes__gte=1), name="dispensing_at_least_one_box"),
            models.CheckConstraint(condition=Q(units__isnull=True) | Q(units__gt=0), name="dispensing_units_positive"),
        ]

    def __str__(self):
        return f"{self.medication_id} {self.dispensed_on}"


class RenewalRequest(models.Model):
    """The patient asks the prescriber to renew a treatment: a notification to a prescriber who is a member,
    or a message the patient sends themself to one who is not."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent to the prescriber")
        PREPARED = "prepared", _("message prepared for the prescriber")
        DONE = "done", _("renewed")
        DECLINED = "declined", _("declined")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="renewal_requests")
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="renewal_requests"
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.treatment_id} {self.status}"


class SupplyReminder(models.Model):
    """One reminder that a renewal is due or that the stock runs out, for one medication and one due date:
    unique, so that however many beats run it is sent once."""

    class Reason(models.TextChoices):
        RENEWAL = "renewal", _("renewal due")
        STOCK = "stock", _("stock running out")

    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="supply_reminders")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["medication", "reason", "due_on"], name="one_supply_reminder_per_due_date")
        ]

    def __str__(self):
        return f"{self.medication_id} {self.reason} {self.due_on}"


class MissedDoseAlert(models.Model):
    """A caregiver was alerted that a dose was not answered: unique per caregiver and dose, so it is sent once."""

    caregiver = models.ForeignKey("access.Caregiver", on_delete=models.PROTECT, related_name="+")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="missed_dose_alerts")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "intake"], name="one_missed_dose_alert_per_caregiver_intake")
        ]

    def __str__(self):
        return f"{self.caregiver_id} {self.intake_id}"


class CalendarFeed(models.Model):
    """A patient's private iCalendar feed: the URL carries a token whose hash is stored; revoking it (or
    making a new one) ends the old URL. Drug names appear only if the patient opts in."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    show_drug_names = models.BooleanField(_("name the medications in the calendar"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(revoked_at__isnull=True), name="one_calendar_feed_in_force_per_patient"
            )
        ]

    def __str__(self):
        return str(self.patient)

import datetime
import json

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from access.models import Caregiver, Grant, GrantOrigin, Permission, Scope
from accounts import tokens as api_tokens
from accounts.models import PatientProfile, ProfessionalProfile, Role, User
from accounts.validators import rpps_checksum_is_valid
from comments.models import Comment, Visibility
from health_records.models import HealthRecord, RecordFile
from sharing import tokens
from sharing.models import ShareLink
from treatments.models import Medication, Treatment

# Every factory user has this password, hashed once (with the tests' hasher: see tests/conftest.py).
PASSWORD = "correct-horse-battery-staple"
DEFAULT_PASSWORD_HASH = make_password(PASSWORD)


def api_token_for(user: User, device: str = "Test phone") -> str:
    """A token for `user`, as the API gives one to a device that signs in."""
    _token, key = api_tokens.api_token_issue(user=user, device_name=device, user_agent="", address="127.0.0.1")
    return key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = DEFAULT_PASSWORD_HASH

    @classmethod
    def _create(cls, model_class, *args, password=DEFAULT_PASSWORD_HASH, **kwargs):
        if not password.startswith(("argon2$", "pbkdf2", "md5$")):
            password = make_password(password)
        return super()._create(model_class, *args, password=password, **kwargs)


class PatientFactory(UserFactory):
    role = Role.PATIENT
    patient_profile = factory.RelatedFactory("tests.factories.PatientProfileFactory", factory_related_name="user")


class PatientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientProfile

    birth_date = factory.Faker("date_of_birth", minimum_age=1, maximum_age=95)
    sex = "unspecified"


def rpps_with_a_valid_key(first_ten_digits: str) -> str:
    """An RPPS number whose Luhn key holds, as real ones do: staff verify them in one step."""
    return next(first_ten_digits + str(key) for key in range(10) if rpps_checksum_is_valid(first_ten_digits + str(key)))


class ProfessionalFactory(UserFactory):
    """A professional; `ProfessionalFactory(verified=True)` is one whom staff verified."""

    class Params:
        verified = False

    role = Role.PROFESSIONAL
    professional_profile = factory.RelatedFactory(
        "tests.factories.ProfessionalProfileFactory",
        factory_related_name="user",
        verified=factory.SelfAttribute("..verified"),
    )


class ProfessionalProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfessionalProfile

    profession = "doctor"
    specialty = "Médecine générale"
    rpps = factory.Sequence(lambda n: rpps_with_a_valid_key(f"{1000000000 + n}"))
    city = "Lyon"
    verified = False
    verified_at = factory.LazyAttribute(lambda profile: timezone.now() if profile.verified else None)


class StaffFactory(UserFactory):
    role = Role.STAFF
    is_superuser = True


class HealthRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthRecord

    patient = factory.SubFactory(PatientFactory)
    author = factory.SelfAttribute("patient")
    kind = "medical_report"
    title = factory.Sequence(lambda n: f"Compte rendu {n}")
    clinical_date = factory.Faker("date_between", start_date="-3y", end_date="today")
    description = "Consultation de suivi."


class RecordFileFactory(factory.django.DjangoModelFactory):
    """A stored JPEG attached to a record."""

    class Meta:
        model = RecordFile

    record = factory.SubFactory(HealthRecordFactory)
    original_name = factory.Sequence(lambda n: f"photo-{n}.jpg")
    content_type = "image/jpeg"
    extension = ".jpg"
    size = 0
    uploaded_by = factory.SelfAttribute("record.patient")

    @factory.lazy_attribute
    def file(self):
        from django.core.files.base import ContentFile

        from tests.files import jpeg_bytes

        return ContentFile(jpeg_bytes(), name="upload")


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment

    patient = factory.SubFactory(PatientFactory)
    title = "Angine"
    start_date = factory.LazyFunction(datetime.date.today)
    created_by = factory.SelfAttribute("patient")


class MedicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medication

    treatment = factory.SubFactory(TreatmentFactory)
    name = "DOLIPRANE 1000 mg, comprimé"
    dose = 1
    dose_unit = "comprimé"
    morning = True
    start_date = factory.SelfAttribute("treatment.start_date")
    created_by = factory.SelfAttribute("treatment.patient")


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


class GrantFactory(factory.django.DjangoModelFactory):
    """A patient's grant to a professional, written directly (no audit entry, no notification): for tests
    about what a grant allows, not about giving one. The whole file, read only, unless told otherwise;
    `kinds=[...]` makes a grant on those kinds, `scope=Scope.RECORDS, records=[...]` one on those records.

    Traits: `expired` (ended yesterday), `revoked` (by the patient), `break_glass` (a professional's
    24-hour emergency access, as break_glass_open gives it)."""

    class Meta:
        model = Grant
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    professional = factory.SubFactory(ProfessionalFactory)
    kinds = factory.LazyFunction(list)
    scope = factory.LazyAttribute(lambda grant: Scope.KINDS if grant.kinds else Scope.ALL)
    permission = Permission.READ
    origin = GrantOrigin.PATIENT
    created_by = factory.SelfAttribute("patient")

    class Params:
        expired = factory.Trait(
            starts_at=factory.LazyFunction(lambda: days_ago(30)), ends_at=factory.LazyFunction(lambda: days_ago(1))
        )
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(timezone.now), revoked_by=factory.SelfAttribute("patient")
        )
        break_glass = factory.Trait(
            origin=GrantOrigin.BREAK_GLASS,
            scope=Scope.ALL,
            permission=Permission.READ,
            created_by=factory.SelfAttribute("professional"),
            reason="Patiente inconsciente aux urgences, allergies ?",
            ends_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24)),
        )

    @factory.post_generation
    def records(grant, create, extracted, **kwargs):
        if create and extracted:
            grant.records.set(extracted)


class ShareLinkFactory(factory.django.DjangoModelFactory):
    """A usable share link to `records` (by default one new record of the patient's), valid for 7 days.
    Its raw token is `link.token`, as share_link_create would have shown it; `passcode="123456"` protects
    it with that passcode; the `expired` and `revoked` traits make it unusable."""

    class Meta:
        model = ShareLink
        skip_postgeneration_save = True

    class Params:
        expired = factory.Trait(
            created_at=factory.LazyFunction(lambda: days_ago(8)), expires_at=factory.LazyFunction(lambda: days_ago(1))
        )
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))

    patient = factory.SubFactory(PatientFactory)
    token = factory.LazyFunction(tokens.new_token)
    token_hash = factory.LazyAttribute(lambda link: tokens.token_hash(link.token))
    passcode = ""
    passcode_hash = factory.LazyAttribute(lambda link: make_password(link.passcode) if link.passcode else "")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda link: link.created_at + datetime.timedelta(days=7))

    @classmethod
    def _create(cls, model_class, *args, token, passcode, **kwargs):
        link = super()._create(model_class, *args, **kwargs)
        link.token, link.passcode = token, passcode
        return link

    @factory.post_generation
    def records(link, create, extracted, **kwargs):
        if create:
            link.records.set(extracted if extracted is not None else [HealthRecordFactory(patient=link.patient)])


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment written directly (no notification, no audit entry) by the record's patient, seen by
    everyone who sees the record; `for_professionals=True` makes it a professionals-only one (give a
    professional as `author` then), `share_link=link, author=None` one left by a link holder."""

    class Meta:
        model = Comment
        skip_postgeneration_save = True

    class Params:
        for_professionals = factory.Trait(visibility=Visibility.PROFESSIONALS)

    record = factory.SubFactory(HealthRecordFactory)
    patient = factory.SelfAttribute("record.patient")
    author = factory.SelfAttribute("record.patient")
    author_label = factory.LazyAttribute(lambda comment: comment.author.full_name if comment.author else "Dr Durand")
    visibility = Visibility.EVERYONE
    text = factory.Sequence(lambda n: f"Commentaire {n}")


class CaregiverFactory(factory.django.DjangoModelFactory):
    """A caregiver in force of `patient` (accepted: a member is attached), written directly (no invitation, no
    audit entry, no notification), who sees the treatments and doses; `answer_doses=True`,
    `missed_dose_alerts=True`, `manage_file=True` or `guardian=True` give more. The `revoked` trait revokes it."""

    class Meta:
        model = Caregiver

    class Params:
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(timezone.now), revoked_by=factory.SelfAttribute("patient")
        )

    patient = factory.SubFactory(PatientFactory)
    caregiver = factory.SubFactory(PatientFactory)
    created_by = factory.SelfAttribute("patient")
    created_at = factory.LazyFunction(timezone.now)
    accepted_at = factory.LazyFunction(timezone.now)


# --- Lab results (labs) -------------------------------------------------------------------------------------

LAB_PROPOSAL = {
    "engine": "pdf-text",
    "laboratory": {"value": "Laboratoire Cerballiance Lyon", "confidence": 0.95, "line": "CERBALLIANCE LYON"},
    "sampled_on": {"value": "2026-03-02", "confidence": 0.9, "line": "Prélevé le 02/03/2026 à 08h12"},
    "observations": [
        {
            "loinc": "4548-4",
            "analyte": "Hémoglobine glyquée (HbA1c)",
            "label": "HbA1c",
            "comparator": "",
            "value": "6.8",
            "unit": "%",
            "unified_value": "6.8",
            "unified_unit": "%",
            "reference_low": "4.0",
            "reference_high": "6.0",
            "flag": "H",
            "previous": {"value": "7.1", "unit": "%", "date": "2025-11-20"},
            "page": 1,
            "line": "HbA1c ........ 6,8 % (4,0 - 6,0)",
            "confidence": {"analyte": 0.98, "value": 0.97, "unit": 0.99, "reference": 0.95},
            "doubtful": False,
        },
        {
            "loinc": "15074-8",
            "analyte": "Glycémie à jeun",
            "label": "Glycémie à jeun",
            "comparator": "",
            "value": "1.05",
            "unit": "g/l",
            "unified_value": "5.829",
            "unified_unit": "mmol/L",
            "reference_low": "0.70",
            "reference_high": "1.10",
            "flag": "",
            "previous": None,
            "page": 1,
            "line": "Glycémie a jeun 1,O5 g/l 0,70-1,10",
            "confidence": {"analyte": 0.9, "value": 0.55, "unit": 0.9, "reference": 0.9},
            "doubtful": True,
        },
    ],
    "warnings": [],
}


class LabReadingFactory(factory.django.DjangoModelFactory):
    """A lab report read and ready to review (`LAB_PROPOSAL`: HbA1c high, a doubtful fasting glucose)."""

    class Meta:
        model = "labs.LabReading"

    record = factory.SubFactory(HealthRecordFactory, kind="lab_result", title="Bilan sanguin")
    record_file = factory.SubFactory(RecordFileFactory, record=factory.SelfAttribute("..record"))
    status = "ready"
    progress = 100
    engine = "pdf-text"
    result = factory.LazyFunction(lambda: json.loads(json.dumps(LAB_PROPOSAL)))


class ObservationFactory(factory.django.DjangoModelFactory):
    """A confirmed HbA1c of 6.8 % (range 4 to 6, high) from a lab result record."""

    class Meta:
        model = "labs.Observation"

    record = factory.SubFactory(HealthRecordFactory, kind="lab_result", title="Bilan sanguin")
    patient = factory.SelfAttribute("record.patient")
    created_by = factory.SelfAttribute("record.patient")
    loinc = "4548-4"
    label = "HbA1c"
    value = "6.8"
    unit = "%"
    unified_value = "6.8"
    reference_low = "4.0"
    reference_high = "6.0"
    flag = "H"
    sampled_on = datetime.date(2026, 3, 2)
    laboratory = "Laboratoire Cerballiance Lyon"

import datetime

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import PatientProfile, ProfessionalProfile, Role, User
from accounts.validators import rpps_checksum_is_valid
from health_records.models import HealthRecord, RecordFile
from treatments.models import Medication, Treatment

# Every factory user has this password. Argon2 is slow on purpose, so it is hashed once.
PASSWORD = "correct-horse-battery-staple"
DEFAULT_PASSWORD_HASH = make_password(PASSWORD)


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
        if not password.startswith(("argon2$", "pbkdf2")):
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
    role = Role.PROFESSIONAL
    professional_profile = factory.RelatedFactory(
        "tests.factories.ProfessionalProfileFactory", factory_related_name="user"
    )


class ProfessionalProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfessionalProfile

    profession = "doctor"
    specialty = "Médecine générale"
    rpps = factory.Sequence(lambda n: rpps_with_a_valid_key(f"{1000000000 + n}"))
    city = "Lyon"


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

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import PatientProfile, ProfessionalProfile, User
from demo.labs import create_alice_lab_results
from demo.printing import create_bob_printer
from demo.records import create_alice_history
from demo.sharing import create_alice_sharing
from demo.treatments import create_alice_treatment

DEMO_PASSWORD = "relyfe-demo-2026"  # noqa: S105  # nosec B105  # published on purpose, demo accounts only
DEMO_DOMAIN = "demo.relyfe.test"
# Professionals and staff must sign in with a second factor: the demo ones share this authenticator key
# (base32, as an app takes it), published on purpose so that the demo stays usable.
DEMO_TOTP_SECRET = "RELYFEDEMOSECRETRELYFEDEMOSECRET"  # noqa: S105  # nosec B105  # demo accounts only  # pragma: allowlist secret
DEMO_TOTP_CODE_COMMAND = (
    '.venv/bin/python -c "import base64; from django_otp.oath import TOTP; '
    f'print(f\'{{TOTP(base64.b32decode(\\"{DEMO_TOTP_SECRET}\\")).token():06d}}\')"'
)

PATIENTS = [
    {"first_name": "Alice", "last_name": "Martin", "slug": "alice", "birth_date": "1984-03-12", "sex": "female"},
    {"first_name": "Dave", "last_name": "Durand", "slug": "dave", "birth_date": "1971-11-02", "sex": "male"},
]
PROFESSIONALS = [
    {
        "first_name": "Bob",
        "last_name": "Bernard",
        "slug": "bob",
        "profession": "doctor",
        "specialty": "Médecine générale",
        "rpps": "10003456786",
        "city": "Lyon",
    },
    {
        "first_name": "Charlie",
        "last_name": "Chevalier",
        "slug": "charlie",
        "profession": "pharmacist",
        "specialty": "",
        "rpps": "10004567896",
        "city": "Paris",
    },
    {
        "first_name": "Emma",
        "last_name": "Petit",
        "slug": "emma",
        "profession": "nurse",
        "specialty": "Soins à domicile",
        "rpps": "10005678908",
        "city": "Lyon",
    },
]


class Command(BaseCommand):
    help = "Creates (or refreshes) the demo accounts and their data. Development only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo data is for development: it refuses to run when DEBUG is off.")
        with transaction.atomic():
            staff = self.ensure_staff()
            for patient in PATIENTS:
                self.ensure_patient(patient)
            for professional in PROFESSIONALS:
                self.ensure_professional(professional)
            # Bob shows what a verified professional looks like; charlie stays unverified.
            bob = ProfessionalProfile.objects.filter(user__email=f"bob@{DEMO_DOMAIN}")
            services.professionals_verify(actor=staff, profiles=bob)
            for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", role__in=["professional", "staff"]):
                self.ensure_authenticator(user)
            alice = User.objects.get(email=f"alice@{DEMO_DOMAIN}")
            created = create_alice_history(alice=alice, today=timezone.localdate())
            lab_values = create_alice_lab_results(alice=alice, today=timezone.localdate())
            bob_user = User.objects.get(email=f"bob@{DEMO_DOMAIN}")
            emma = User.objects.get(email=f"emma@{DEMO_DOMAIN}")
            sharing = create_alice_sharing(alice=alice, bob=bob_user, emma=emma) + create_bob_printer(bob=bob_user)
            if create_alice_treatment(alice=alice, bob=bob_user, today=timezone.localdate()):
                self.stdout.write("Alice's treatments: one for an angina (morning and evening), one long-term.")
        if created:
            self.stdout.write(f"Alice's file: {created} health records with their files.")
        if lab_values:
            self.stdout.write(f"Alice's lab results: {lab_values} values over two years.")
        for line in sharing:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for slug, role in [
            ("alice", "patient"),
            ("dave", "patient"),
            ("bob", "professional"),
            ("charlie", "professional"),
            ("emma", "professional"),
            ("staff", "staff"),
        ]:
            self.stdout.write(f"  {role:<13} {slug}@{DEMO_DOMAIN}")
        self.stdout.write(
            f"Professionals and staff then type a code of the authenticator key {DEMO_TOTP_SECRET} "
            f"(add it to an authenticator app, or print the current code with: {DEMO_TOTP_CODE_COMMAND})"
        )

    def ensure_authenticator(self, user: User) -> None:
        """The demo authenticator key, so that professionals and staff can pass the second step."""
        TOTPDevice.objects.filter(user=user).delete()
        key = base64.b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)

    def reset(self, user: User) -> User:
        """Brings an existing demo account back to its known state (password, active)."""
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        return user

    def ensure_patient(self, data):
        email = f"{data['slug']}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            services.patient_sign_up(
                email=email,
                phone=None,
                password=DEMO_PASSWORD,
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
                sex=data["sex"],
            )
        else:
            PatientProfile.objects.get_or_create(user=self.reset(user))

    def ensure_professional(self, data):
        email = f"{data['slug']}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            services.professional_sign_up(
                email=email,
                phone=None,
                password=DEMO_PASSWORD,
                first_name=data["first_name"],
                last_name=data["last_name"],
                profession=data["profession"],
                specialty=data["specialty"],
                rpps=data["rpps"],
                city=data["city"],
            )
        else:
            self.reset(user)

    def ensure_staff(self):
        email = f"staff@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            return User.objects.create_superuser(
                email=email, password=DEMO_PASSWORD, first_name="Sam", last_name="Staff"
            )
        return self.reset(user)

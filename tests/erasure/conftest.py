"""A patient with something of everything, and the search that proves nothing of her is left."""

import datetime
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import AccessPath
from accounts.models import (
    KnownDevice,
    PhoneCode,
    PhoneCodePurpose,
    SecondFactorChange,
    SecondFactorEvent,
    UserSession,
)
from audit import services as audit
from audit.models import Action, ObjectType
from faces.models import ConsentMethod, FaceConsent, FaceTemplate
from health_records.services import record_file_set_thumbnail
from notifications.models import Event, Notification, PushSubscription
from portability.models import ExportJob, ExportStatus, ImportFile, ImportJob
from sharing.models import AccessRequest, EmergencyProfile
from sharing.services.emergency import emergency_profile_ensure
from tests.factories import (
    CommentFactory,
    HealthRecordFactory,
    LabReadingFactory,
    MedicationFactory,
    ObservationFactory,
    RecordFileFactory,
    ShareLinkFactory,
    TreatmentFactory,
    api_token_for,
)
from tests.files import jpeg_bytes
from tests.s3 import s3  # noqa: F401 (STORAGE=s3 on moto's local server, tests/s3.py)
from treatments.models import Intake, PrescriptionReading, ReminderDispatch

ALICE_PHONE = "+33612345678"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """A media folder of the test's own, so that walking it shows only what this test stored."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "documents.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@dataclass
class Traces:
    """What identifies the patient: strings to look for in every text field, ids in every UUID field, keys in the
    storage."""

    strings: set[str] = field(default_factory=set)
    ids: set[uuid.UUID] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def add_objects(self, *objects) -> None:
        for obj in objects:
            self.ids.add(obj.public_id)
            self.strings.add(str(obj.public_id))
            self.strings.add(obj.public_id.hex)


def stored_keys(*record_files) -> set[str]:
    keys = set()
    for record_file in record_files:
        record_file.refresh_from_db()
        keys |= {name for name in (record_file.file.name, record_file.thumbnail.name) if name}
    return keys


def file_with_thumbnail(record):
    record_file = RecordFileFactory(record=record, uploaded_by=record.author)
    record_file_set_thumbnail(record_file=record_file, content=jpeg_bytes((20, 20)))
    return record_file


@pytest.fixture
def rich_alice(alice, bob, bob_sees_alice, dave):
    """Alice with records and files (one added by bob, who comments on it), a treatment with its doses and
    reminder, a prescription reading, a lab result read and confirmed, an enrolled face (local model), a share
    link, bob's grant, an access request, her emergency profile, notifications (hers, and bob's about her), a
    second factor, an API token, a session, a push subscription, a phone code, and access-log rows.
    Returns what identifies her."""
    alice.first_name, alice.last_name, alice.phone = "Alizée", "Quenneville-Zorn", ALICE_PHONE
    alice.save()
    traces = Traces(strings={"Alizée", "Quenneville-Zorn", "alice@example.org", ALICE_PHONE, "612345678"})

    own = HealthRecordFactory(patient=alice, title="Compte rendu d'Alizée")
    by_bob = HealthRecordFactory(patient=alice, author=bob, kind="prescription", title="Ordonnance")
    files = [file_with_thumbnail(own), file_with_thumbnail(by_bob)]
    comments = [
        CommentFactory(record=by_bob, author=bob, author_label=bob.full_name, text="Revoir dans un mois."),
        CommentFactory(record=by_bob, text="Merci docteur, signé Alizée Quenneville-Zorn"),
    ]
    treatment = TreatmentFactory(patient=alice, prescription=by_bob, prescriber=bob, created_by=bob)
    medication = MedicationFactory(treatment=treatment, created_by=bob)
    now = timezone.now()
    dispatch = ReminderDispatch.objects.create(
        patient=alice, local_date=now.date(), moment="morning", due_at=now, status=ReminderDispatch.Status.SENT
    )
    intake = Intake.objects.create(
        medication=medication, dispatch=dispatch, local_date=now.date(), moment="morning", due_at=now
    )
    reading = PrescriptionReading.objects.create(
        record=by_bob, record_file=files[1], result={"patient": "Alizée Quenneville-Zorn"}
    )
    bilan = HealthRecordFactory(patient=alice, author=bob, kind="lab_result", title="Bilan d'Alizée")
    lab_reading = LabReadingFactory(record=bilan, record_file=file_with_thumbnail(bilan))
    observation = ObservationFactory(record=bilan, reading=lab_reading, created_by=bob, laboratory="Labo Alizée")
    consent = FaceConsent.objects.create(patient=alice, method=ConsentMethod.RECORDED, recorded_by=bob)
    template = FaceTemplate.objects.create(
        patient=alice,
        consent=consent,
        backend="local",
        face_id=uuid.uuid4().hex,
        embedding=b"\0" * 512,
        enrolled_by=bob,
    )
    link = ShareLinkFactory(patient=alice, records=[own], label="Pour Dr Alizée", recipient_email="ami@example.org")
    profile = emergency_profile_ensure(patient=alice)
    EmergencyProfile.objects.filter(pk=profile.pk).update(enabled=True, note="Alizée est allergique")
    access_request = AccessRequest.objects.create(
        patient=alice,
        name="Voisin",
        role=AccessRequest.Role.OTHER,
        reason="Urgence",
        contact_email="voisin@example.org",
        expires_at=now + datetime.timedelta(days=1),
    )
    notifications = [
        Notification.objects.create(recipient=alice, event=Event.RECORD_ADDED, message="Bob a ajouté un document"),
        Notification.objects.create(
            recipient=bob,
            event=Event.COMMENT,
            actor=alice,
            message="Alizée Quenneville-Zorn a commenté",
            url=f"/records/{by_bob.public_id}/",
        ),
    ]
    PushSubscription.objects.create(
        user=alice, endpoint="https://push.example.org/alice-endpoint", p256dh="x" * 87, auth="y" * 22
    )
    PhoneCode.objects.create(
        user=alice, purpose=PhoneCodePurpose.VERIFICATION, phone=ALICE_PHONE, expires_at=now + datetime.timedelta(1)
    )
    TOTPDevice.objects.create(user=alice, name="Téléphone d'Alizée", confirmed=True)
    factor_event = SecondFactorEvent.objects.create(
        user=alice, actor=alice, change=SecondFactorChange.AUTHENTICATOR_ADDED
    )
    export = ExportJob.objects.create(patient=alice, requested_by=alice, status=ExportStatus.READY, progress=100)
    export.file.save("export.zip", ContentFile("Alizée Quenneville-Zorn".encode()))
    imported = ImportJob.objects.create(patient=alice, uploaded_by=alice, original_name="portail d'Alizée.json")
    imported.file.save("bundle.json", ContentFile(b'{"resourceType": "Bundle"}'))
    import_file = ImportFile(
        job=imported, record_key="r1", original_name="bilan.jpg", content_type="image/jpeg", extension=".jpg", size=3
    )
    import_file.file.save("bilan.jpg", ContentFile(jpeg_bytes()))
    api_token_for(alice, device="iPhone d'Alizée")
    Client().force_login(alice)
    browser_session = UserSession.objects.get(user=alice)
    KnownDevice.objects.create(user=alice, digest="d" * 64)
    for actor in (bob, alice):
        audit.record(
            actor=actor,
            patient=alice,
            object_type=ObjectType.HEALTH_RECORD,
            object_id=own.public_id,
            action=Action.VIEW,
            access=AccessPath.GRANT if actor == bob else AccessPath.OWNER,
        )

    traces.add_objects(
        alice, own, by_bob, *files, *comments, treatment, medication, dispatch, intake, reading, consent, template
    )
    traces.add_objects(link, bob_sees_alice, access_request, *notifications)
    traces.add_objects(bilan, lab_reading, observation, lab_reading.record_file)
    traces.keys = stored_keys(*files) | {export.file.name, imported.file.name, import_file.file.name}
    traces.keys |= stored_keys(lab_reading.record_file)
    traces.add_objects(export, imported, import_file, browser_session, factor_event)
    return traces


@pytest.fixture
def bobs_and_daves(bob, dave):
    """What must stay: dave's record with its file, bob's comment on it, bob's notification about dave."""
    record = HealthRecordFactory(patient=dave, author=bob)
    record_file = file_with_thumbnail(record)
    comment = CommentFactory(record=record, author=bob, author_label=bob.full_name, text="Vu.")
    notification = Notification.objects.create(recipient=bob, event=Event.COMMENT, message="Dave a commenté")
    return {"record": record, "file": record_file, "comment": comment, "notification": notification}


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.UUIDField, models.BinaryField)


def traces_left(traces: Traces) -> list[str]:
    """Every text, JSON and UUID field of every row of every table, searched for what identifies the patient."""
    found = []
    lowered = {needle.lower() for needle in traces.strings}
    for model in apps.get_models(include_auto_created=True):
        fields = [each for each in model._meta.concrete_fields if isinstance(each, TEXT_FIELDS)]
        if not fields:
            continue
        names = [each.attname for each in fields]
        for row in model._base_manager.values_list("pk", *names):
            for name, value in zip(names, row[1:], strict=True):
                if value is None:
                    continue
                if isinstance(value, uuid.UUID):
                    if value in traces.ids:
                        found.append(f"{model._meta.label}.{name} #{row[0]}: {value}")
                    continue
                if isinstance(value, bytes | memoryview):
                    continue
                text = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                found += [f"{model._meta.label}.{name} #{row[0]}: {needle}" for needle in lowered if needle in text]
    return found


def files_in(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def stored_anywhere(keys: set[str]) -> set[str]:
    return {key for key in keys if default_storage.exists(key)}

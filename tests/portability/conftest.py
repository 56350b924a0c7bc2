import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from access.models import AccessPath, Permission, Scope
from audit import services as audit
from audit.models import Action as AuditAction
from audit.models import ObjectType
from faces import services as faces
from health_records.models import Tag
from sharing import services as sharing
from tests.factories import (
    CommentFactory,
    GrantFactory,
    HealthRecordFactory,
    MedicationFactory,
    ProfessionalFactory,
    RecordFileFactory,
    ShareLinkFactory,
    TreatmentFactory,
)
from tests.files import pdf_bytes
from treatments.models import Intake

PROFESSIONALS_ONLY_TEXT = "Entre nous : suspicion de non-observance"


@pytest.fixture
def rich_file(alice, bob, bob_sees_alice):
    """Alice's file with a bit of everything an export holds."""
    today = timezone.localdate()
    report = HealthRecordFactory(patient=alice, kind="lab_result", title="Bilan sanguin", description="Normal.")
    report.tags.add(Tag.objects.create(patient=alice, name="cardiologie"))
    report_pdf = RecordFileFactory(
        record=report,
        original_name="../bilan é/2024.pdf",
        content_type="application/pdf",
        extension=".pdf",
        file=ContentFile(pdf_bytes(), name="upload"),
    )
    photo = RecordFileFactory(record=report, original_name="photo.jpg")
    HealthRecordFactory(patient=alice, kind="note", title="Note sans fichier")
    archived = HealthRecordFactory(patient=alice, kind="imaging", title="Radio archivée")
    archived.archived_at, archived.archived_by = timezone.now(), alice
    archived.save()
    prescription = HealthRecordFactory(patient=alice, kind="prescription", title="Ordonnance")
    treatment = TreatmentFactory(
        patient=alice, prescription=prescription, prescriber_name="Dr Martin", start_date=today - datetime.timedelta(5)
    )
    moments = MedicationFactory(
        treatment=treatment,
        name="AMOXICILLINE 1 g",
        cis="60234100",
        morning=True,
        evening=True,
        dose=2,
        end_date=today + datetime.timedelta(days=2),
    )
    MedicationFactory(treatment=treatment, name="LEVOTHYROX", morning=False, times=["07:30"], weekdays=[0, 3])
    MedicationFactory(treatment=treatment, name="DOLIPRANE", morning=False, as_needed=True)
    MedicationFactory(treatment=treatment, name="ZOLPIDEM", morning=False, bedtime=True, noon=True)
    for days, status in [(1, Intake.Status.TAKEN), (2, Intake.Status.TAKEN), (3, Intake.Status.SKIPPED)]:
        Intake.objects.create(
            medication=moments,
            local_date=today - datetime.timedelta(days=days),
            moment="morning",
            due_at=timezone.now() - datetime.timedelta(days=days),
            status=status,
        )
    profile = sharing.emergency_profile_ensure(patient=alice)
    sharing.emergency_profile_update(
        actor=alice,
        profile=profile,
        fields={
            "allergies": "Pénicilline, arachides",
            "blood_group": "O-",
            "conditions": "Asthme",
            "emergency_contacts": "Paul (frère) 06 12 34 56 78",
            "treating_doctor": "Dr Martin",
            "note": "Porte des lentilles",
        },
        visible_sections=[],
    )
    kate = ProfessionalFactory(email="kate@example.org", first_name="Kate")
    GrantFactory(patient=alice, professional=kate, kinds=["imaging"], permission=Permission.READ)
    GrantFactory(patient=alice, professional=ProfessionalFactory(), scope=Scope.RECORDS, records=[report], revoked=True)
    ShareLinkFactory(patient=alice, records=[report], label="Kiné")
    faces.face_consent_give(actor=alice, patient=alice)
    seen = CommentFactory(record=report, text="Résultats vus, merci")
    CommentFactory(record=report, parent=seen, author=bob, author_label="Dr Bob", text="Parfait")
    CommentFactory(
        record=report, author=bob, author_label="Dr Bob", for_professionals=True, text=PROFESSIONALS_ONLY_TEXT
    )
    audit.record(
        actor=bob,
        patient=alice,
        object_type=ObjectType.HEALTH_RECORD,
        object_id=report.public_id,
        action=AuditAction.VIEW,
        access=AccessPath.GRANT,
    )
    return {"report": report, "files": [report_pdf, photo], "archived": archived, "kate": kate}

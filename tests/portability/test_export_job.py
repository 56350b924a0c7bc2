import base64
import datetime
import hashlib
import io
import json
import zipfile

import pypdfium2
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from audit.models import Action as AuditAction
from notifications.models import Event, Notification
from portability import export_services
from portability.export_models import ExportJob, ExportStatus
from relyfe.models import OutboxMessage
from sharing import services as sharing
from tests.factories import GrantFactory, HealthRecordFactory, ProfessionalFactory
from tests.portability.conftest import PROFESSIONALS_ONLY_TEXT


def built(actor, patient) -> ExportJob:
    job = export_services.export_request(actor=actor, patient=patient)
    export_services.export_run(export_job_id=job.pk)
    job.refresh_from_db()
    return job


def zip_of(job) -> zipfile.ZipFile:
    with job.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_zip_holds_the_bundle_the_files_with_their_hashes_and_a_summary(alice, rich_file):
    job = built(alice, alice)

    assert job.status == ExportStatus.READY and job.progress == 100 and job.size > 0
    archive = zip_of(job)
    bundle = json.loads(archive.read("bundle.json"))
    attachments = [
        content["attachment"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "DocumentReference"
        for content in entry["resource"]["content"]
        if "url" in content["attachment"]
    ]
    assert len(attachments) == 2
    for attachment in attachments:
        content = archive.read(attachment["url"])
        assert base64.b64encode(hashlib.sha1(content, usedforsecurity=False).digest()).decode() == attachment["hash"]
        assert len(content) == attachment["size"]
    names = archive.namelist()
    assert all(".." not in name for name in names)
    assert any(name.endswith("/2024.pdf") for name in names)
    text = pdf_text(archive.read("summary.pdf"))
    assert "Bilan sanguin" in text
    assert "Pénicilline" in text
    assert "AMOXICILLINE 1 g" in text
    assert "Dossier de santé" in text  # alice reads French


def test_the_summary_is_in_the_patients_language(alice, rich_file):
    alice.language = "en"
    alice.save()

    text = pdf_text(zip_of(built(alice, alice)).read("summary.pdf"))

    assert "Health file of" in text
    assert "Recent accesses" in text


def test_the_requester_is_told_when_it_is_ready_with_a_link_to_the_page(alice, rich_file):
    built(alice, alice)

    notification = Notification.objects.get(recipient=alice, event=Event.EXPORT_READY)
    assert notification.url == reverse("portability:export")
    assert notification.message.startswith("Votre export est prêt")


def test_running_the_task_twice_changes_nothing(alice, rich_file):
    job = built(alice, alice)
    file_name = job.file.name

    export_services.export_run(export_job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.READY and job.file.name == file_name
    assert Notification.objects.filter(recipient=alice, event=Event.EXPORT_READY).count() == 1


def test_asking_again_while_one_is_at_work_gives_the_same_export(alice):
    first = export_services.export_request(actor=alice, patient=alice)

    again = export_services.export_request(actor=alice, patient=alice)

    assert again == first
    assert OutboxMessage.objects.filter(task="portability.export_tasks.build_export").count() == 1


def test_a_professional_with_the_whole_file_exports_it_without_the_patients_sharing(alice, bob, rich_file):
    job = built(bob, alice)

    bundle = json.loads(zip_of(job).read("bundle.json"))
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert "Consent" not in kinds and "AuditEvent" not in kinds
    assert PROFESSIONALS_ONLY_TEXT not in json.dumps(bundle, ensure_ascii=False)
    assert Notification.objects.get(recipient=bob, event=Event.EXPORT_READY).url == reverse(
        "portability:patient_export", args=[alice.public_id]
    )


@pytest.mark.parametrize("who", ["charlie", "dave", "scoped"])
def test_nobody_else_may_export_the_file(alice, charlie, dave, who):
    scoped = ProfessionalFactory()
    GrantFactory(patient=alice, professional=scoped, kinds=["imaging"])
    actor = {"charlie": charlie, "dave": dave, "scoped": scoped}[who]

    with pytest.raises(PermissionDenied):
        export_services.export_request(actor=actor, patient=alice)


def test_an_export_fails_with_its_reason_when_the_grant_ends_before_it_runs(alice, bob, bob_sees_alice):
    job = export_services.export_request(actor=bob, patient=alice)
    sharing.grant_revoke(actor=alice, grant=bob_sees_alice)

    export_services.export_run(export_job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == export_services.ACCESS_ENDED
    assert not job.file


def test_expired_exports_lose_their_file(alice):
    HealthRecordFactory(patient=alice)
    job = built(alice, alice)
    storage, name = job.file.storage, job.file.name
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert export_services.exports_expire() == 1

    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not storage.exists(name)


def test_a_lost_export_is_sent_again_then_failed(alice, settings):
    job = export_services.export_request(actor=alice, patient=alice)
    later = timezone.now() + settings.STUCK_AFTER + datetime.timedelta(minutes=1)

    export_services.exports_sweep(later)
    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED and job.queued_at == later

    ExportJob.objects.filter(pk=job.pk).update(attempts=settings.STUCK_MAX_ATTEMPTS)
    export_services.exports_sweep(later + settings.STUCK_AFTER + datetime.timedelta(minutes=1))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.error == export_services.NOT_IN_TIME


def test_the_page_asks_for_an_export_and_shows_its_progress(client, alice):
    client.force_login(alice)

    response = client.post(reverse("portability:export"), follow=True)

    job = ExportJob.objects.get(patient=alice)
    assert "Votre export est en cours de préparation" in response.content.decode()
    panel = client.get(reverse("portability:export_panel", args=[job.public_id]))
    assert 'hx-trigger="every 2s"' in panel.content.decode()


def test_the_download_streams_the_zip_and_writes_the_access_log(client, alice, rich_file):
    job = built(alice, alice)
    client.force_login(alice)

    page = client.get(reverse("portability:export")).content.decode()
    response = client.get(reverse("portability:export_download", args=[job.public_id]))

    assert reverse("portability:export_download", args=[job.public_id]) in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AccessEvent.objects.filter(
        patient=alice, actor=alice, action=AuditAction.DOWNLOAD, object_id=job.public_id
    ).exists()


def test_an_expired_export_is_not_downloaded(client, alice):
    job = built(alice, alice)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client.force_login(alice)

    assert client.get(reverse("portability:export_download", args=[job.public_id])).status_code == 404


def test_someone_elses_export_is_not_found(client, alice, dave):
    job = built(alice, alice)
    client.force_login(dave)

    assert client.get(reverse("portability:export_download", args=[job.public_id])).status_code == 404
    assert client.get(reverse("portability:export_panel", args=[job.public_id])).status_code == 404


def test_the_professional_sees_the_export_button_only_with_the_whole_file(client, alice, bob, bob_sees_alice):
    kate = ProfessionalFactory()
    GrantFactory(patient=alice, professional=kate, kinds=["imaging"])
    timeline = reverse("health_records:timeline", args=[alice.public_id])
    button = reverse("portability:patient_export", args=[alice.public_id])

    client.force_login(bob)
    assert button in client.get(timeline).content.decode()
    client.force_login(kate)
    assert button not in client.get(timeline).content.decode()
    assert client.get(button).status_code == 404

"""Share links blur the faces of the photos they carry unless the patient chose otherwise: the blurred copies are
asked for when the link is made, and a copy whose task was lost is sent again by the sweeper."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from health_records import masking
from health_records.models import MaskStatus, RecordFile
from relyfe.models import OutboxMessage
from sharing import services as sharing
from tests.factories import HealthRecordFactory, RecordFileFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

TASK = "health_records.tasks.record_file_mask_faces"


def test_a_link_asks_for_the_blurred_copies_of_its_photos_only(alice):
    record = HealthRecordFactory(patient=alice, kind="photo")
    photo = RecordFileFactory(record=record)
    report = RecordFileFactory(
        record=record, original_name="cr.pdf", content_type="application/pdf", file=ContentFile(pdf_bytes(), "x")
    )

    link, _token, _passcode = sharing.share_link_create(actor=alice, records=[record])

    assert link.mask_faces
    assert RecordFile.objects.get(pk=photo.pk).masked_status == MaskStatus.PENDING
    assert RecordFile.objects.get(pk=report.pk).masked_status == MaskStatus.NONE
    assert list(OutboxMessage.objects.filter(task=TASK).values_list("args", flat=True)) == [[photo.pk]]


def test_a_link_made_before_faces_were_blurred_asks_for_the_copy_when_a_photo_is_opened(client, alice):
    photo = RecordFileFactory(record=HealthRecordFactory(patient=alice, kind="photo"))
    _link, token, _passcode = sharing.share_link_create(actor=alice, records=[photo.record], mask_faces=False)
    link = alice.share_links.get()
    link.mask_faces = True  # as the migration left the links that were made before
    link.save(update_fields=["mask_faces"])
    client.get(reverse("sharing:link_open", args=[token]))
    client.post(reverse("sharing:link_start"), {"name": "Dr Durand"})

    response = client.get(reverse("sharing:link_file_view", args=[photo.public_id]))

    assert response["Content-Type"].startswith("image/svg+xml")
    assert RecordFile.objects.get(pk=photo.pk).masked_status == MaskStatus.PENDING


def test_the_sweeper_sends_again_a_copy_whose_task_was_lost(alice, settings):
    photo = RecordFileFactory(record=HealthRecordFactory(patient=alice, kind="photo"))
    sharing.share_link_create(actor=alice, records=[photo.record])
    long_ago = timezone.now() - settings.STUCK_AFTER - timedelta(minutes=1)
    OutboxMessage.objects.filter(task=TASK).update(state=OutboxMessage.State.SENT, sent_at=long_ago)

    masking.masks_sweep(timezone.now())

    message = OutboxMessage.objects.get(task=TASK)
    assert message.state == OutboxMessage.State.PENDING and message.args == [photo.pk]


def test_the_sweeper_leaves_a_copy_sent_a_moment_ago(alice):
    photo = RecordFileFactory(record=HealthRecordFactory(patient=alice, kind="photo"))
    sharing.share_link_create(actor=alice, records=[photo.record])
    OutboxMessage.objects.filter(task=TASK).update(state=OutboxMessage.State.SENT, sent_at=timezone.now())

    masking.masks_sweep(timezone.now())

    assert OutboxMessage.objects.get(task=TASK).state == OutboxMessage.State.SENT

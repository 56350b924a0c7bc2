"""Background work of health records. Each task imports its service inside the function (relyfe/celery.py)."""

import logging

from celery import shared_task
from django.conf import settings

from documents.uploads import UploadRefused, make_thumbnail
from health_records.models import RecordFile
from relyfe import outbox

logger = logging.getLogger(__name__)

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker (and beat's schedule) still find it.


@shared_task(name="health_records.tasks.record_file_make_thumbnail")
def make_record_file_thumbnail(record_file_id: int) -> None:
    """Makes the small picture the timeline shows. Safe to run twice: a file that has one is skipped."""
    from health_records import services

    record_file = RecordFile.objects.filter(pk=record_file_id).first()
    if record_file is None or record_file.thumbnail or record_file.thumbnail_failed_reason:
        return
    not_made = RecordFile.objects.filter(pk=record_file_id, thumbnail="", thumbnail_failed_reason="")
    if not outbox.run_started(not_made, attempts="thumbnail_attempts", started_at="thumbnail_started_at"):
        # Started that many times and never finished: a file that kills the worker is not tried again.
        logger.warning("No thumbnail for record file %s: its runs never finished", record_file_id)
        services.record_file_thumbnail_failed(record_file_id=record_file_id, reason=services.THUMBNAIL_NOT_MADE)
        return
    with record_file.file.open("rb") as stored:
        content = stored.read()
    try:
        thumbnail = make_thumbnail(content, record_file.content_type)
    except UploadRefused as refusal:
        # The file was checked on upload: this is unexpected, but no reason to retry forever.
        logger.warning("No thumbnail for record file %s: %s", record_file_id, refusal.code)
        services.record_file_thumbnail_failed(record_file_id=record_file_id, reason=refusal.code)
        return
    services.record_file_set_thumbnail(record_file=record_file, content=thumbnail)


@shared_task(name="health_records.tasks.staged_uploads_sweep", soft_time_limit=300, time_limit=330)
def sweep_staged_uploads() -> int:
    """Deletes files kept from a form sent back with an error that nobody sent again in time."""
    from health_records import services

    return services.staged_uploads_sweep(older_than=settings.STAGED_UPLOAD_LIFETIME)


# Tries of one photo's blurred copy after an error that may pass (storage, Rekognition throttled), then the
# copy is marked failed: those who would see it are told so, never shown the original.
MASK_RETRIES = 3


@shared_task(
    bind=True,
    name="health_records.tasks.record_file_mask_faces",
    max_retries=MASK_RETRIES,
    soft_time_limit=120,
    time_limit=150,
)
def record_file_mask_faces(self, record_file_id: int) -> None:
    """Makes the copy of a photo with its faces blurred (health_records/masking.py). Takes the file's id
    only. Safe to run twice: a file whose copy is made, or not asked, is skipped."""
    from health_records import masking
    from health_records.models import MaskStatus

    record_file = RecordFile.objects.filter(pk=record_file_id, masked_status=MaskStatus.PENDING).first()
    if record_file is None:
        return
    if not masking.mask_run_started(record_file_id):
        # Started that many times and never finished: a photo that kills the worker is not tried again.
        logger.warning("No blurred copy of record file %s: its runs never finished", record_file_id)
        masking.record_file_mask_failed(record_file_id=record_file_id)
        return
    try:
        with record_file.file.open("rb") as stored:
            content = stored.read()
        masked = masking.masked_photo(content, record_file.content_type)
    except UploadRefused as refusal:
        # Checked on upload: a photo that no longer decodes will not decode on a second try.
        logger.warning("No blurred copy of record file %s: %s", record_file_id, refusal.code)
        masking.mask_run_finished(record_file_id)
        masking.record_file_mask_failed(record_file_id=record_file_id)
        return
    except Exception as error:
        masking.mask_run_finished(record_file_id)
        if self.request.retries >= MASK_RETRIES:
            # The error's type only: its words may quote the photo's metadata.
            logger.warning("No blurred copy of record file %s: %s", record_file_id, type(error).__name__)
            masking.record_file_mask_failed(record_file_id=record_file_id)
            return
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    masking.record_file_set_masked(record_file=record_file, masked=masked)
    masking.mask_run_finished(record_file_id)

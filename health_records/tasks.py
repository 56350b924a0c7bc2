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

"""Background work of labs. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task


# OCR of a many-page scan on a loaded machine takes minutes.
@shared_task(name="labs.tasks.read_lab_report", soft_time_limit=300, time_limit=330)
def read_lab_report(reading_id: int) -> None:
    """Reads a lab report's file and proposes its values; the record page follows the progress. Safe to run
    twice. The reader itself (labs.extraction.parser) is imported by `reading_run`, inside the run."""
    from labs import readings

    readings.reading_run(reading_id=reading_id)

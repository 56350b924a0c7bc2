"""Background work of the import. The task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task


# A Bundle of a few hundred documents, each file checked in its own process, takes minutes.
@shared_task(name="portability.import_tasks.import_read", soft_time_limit=900, time_limit=960)
def import_read(job_id: int) -> None:
    """Reads an uploaded Bundle into the proposal the patient reviews; the job page follows the progress."""
    from portability import import_services

    import_services.import_job_run(job_id=job_id)

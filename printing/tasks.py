"""Background work of printing. Each task imports its service inside the function (relyfe/celery.py)."""

from celery import shared_task

from printing.models import PrintJob

# Each task keeps the name it was registered under before it was renamed, so that messages already in the
# broker (and beat's schedule) still find it.


# Reads the printed document (OCR when it is a scan).
@shared_task(name="printing.tasks.print_job_propose_patient", ignore_result=True, soft_time_limit=300, time_limit=330)
def propose_print_job_patient(job_id: int) -> None:
    """Reads the printed document and proposes the patient it names, among the professional's patients.
    Safe to run twice: it only sets the proposal of a job still in the inbox."""
    from printing.proposals import print_job_propose

    job = PrintJob.objects.select_related("printer__owner").filter(pk=job_id, assigned_at__isnull=True).first()
    if job is not None:
        print_job_propose(job=job)

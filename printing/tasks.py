from celery import shared_task

from printing.models import PrintJob


@shared_task(ignore_result=True)
def print_job_propose_patient(job_id: int) -> None:
    """Reads the printed document and proposes the patient it names, among the professional's patients.
    Safe to run twice: it only sets the proposal of a job still in the inbox."""
    from printing.proposals import print_job_propose

    job = PrintJob.objects.select_related("printer__owner").filter(pk=job_id, assigned_at__isnull=True).first()
    if job is not None:
        print_job_propose(job=job)

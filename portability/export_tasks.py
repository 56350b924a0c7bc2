"""Background work of the exports. Each task imports its service inside the function (relyfe/celery.py).
Imported by PortabilityConfig.ready so that workers register them (the app's tasks.py is the import's)."""

from celery import shared_task


# Reading every file of a large file into a ZIP takes minutes.
@shared_task(name="portability.export_tasks.build_export", soft_time_limit=600, time_limit=660)
def build_export(export_job_id: int) -> None:
    """Builds an export's ZIP (bundle.json, files/, summary.pdf); safe to run twice."""
    from portability import export_services

    export_services.export_run(export_job_id=export_job_id)


@shared_task(name="portability.export_tasks.expire_exports", soft_time_limit=300, time_limit=330)
def expire_exports() -> None:
    """Beat runs this every hour: the ZIPs past their expiry are deleted."""
    from portability import export_services

    export_services.exports_expire()

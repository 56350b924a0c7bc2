from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    """The patient's data rights: taking all their data away (a FHIR export) and bringing it in (a FHIR import).
    It reads every feature app, so it sits above them, beside home."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portability"
    verbose_name = "Data portability"

    def ready(self):
        from health_records import panels as record_pages
        from portability import export_tasks, import_tasks  # noqa: F401  (registers the tasks with Celery)
        from portability.export_panels import timeline_export_button
        from portability.export_services import exports_sweep
        from portability.import_services import imports_sweep
        from relyfe import outbox

        record_pages.register(record_pages.TIMELINE, timeline_export_button)
        outbox.register_sweeper(exports_sweep)
        outbox.register_sweeper(imports_sweep)

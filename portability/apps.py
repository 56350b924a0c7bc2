from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    """The patient's data rights: taking all their data away (a FHIR export) and bringing it in (a FHIR import).
    It reads every feature app, so it sits above them, beside home."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portability"
    verbose_name = "Data portability"

    def ready(self):
        from portability import import_tasks  # noqa: F401  (the worker finds the import's task)
        from portability.import_services import imports_sweep
        from relyfe import outbox

        outbox.register_sweeper(imports_sweep)

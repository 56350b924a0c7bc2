from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"
    verbose_name = _("Lab results")

    def ready(self):
        from health_records import panels as record_pages
        from health_records.signals import record_files_stored
        from labs import panels, trend_panels
        from labs.readings import readings_start_on_stored_files, readings_sweep
        from relyfe import outbox

        # health_records (below) may not import labs: its record page asks for the part labs draws, and it
        # announces the files it stores, which labs reads when they are a lab result's.
        record_pages.register(record_pages.TIMELINE, trend_panels.timeline_lab_results_link)
        record_pages.register(record_pages.RECORD, panels.lab_result_observations)
        record_files_stored.connect(readings_start_on_stored_files, dispatch_uid="labs.readings_start")
        outbox.register_sweeper(readings_sweep)

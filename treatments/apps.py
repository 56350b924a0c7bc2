from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "treatments"
    verbose_name = _("Treatments")

    def ready(self):
        from health_records import panels as record_pages
        from health_records.signals import record_files_stored
        from relyfe import outbox
        from treatments import panels
        from treatments.readings import readings_start_on_stored_files, readings_sweep
        from treatments.reminders import dispatches_sweep

        # health_records (below) may not import treatments: its pages ask for the parts treatments draws, and
        # it announces the files it stores, which treatments reads.
        record_pages.register(record_pages.TIMELINE, panels.timeline_treatments_link)
        record_pages.register(record_pages.RECORD, panels.prescription_treatments)
        record_files_stored.connect(readings_start_on_stored_files, dispatch_uid="treatments.readings_start")
        outbox.register_sweeper(readings_sweep)
        outbox.register_sweeper(dispatches_sweep)

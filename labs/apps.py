from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"
    verbose_name = _("Lab results")

    def ready(self):
        from health_records import panels as record_pages
        from labs import trend_panels

        record_pages.register(record_pages.TIMELINE, trend_panels.timeline_lab_results_link)

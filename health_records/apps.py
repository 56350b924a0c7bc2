from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthRecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "health_records"
    verbose_name = _("Health records")

    def ready(self):
        from health_records.masking import masks_sweep
        from health_records.services import thumbnails_sweep
        from relyfe import outbox

        outbox.register_sweeper(thumbnails_sweep)
        outbox.register_sweeper(masks_sweep)

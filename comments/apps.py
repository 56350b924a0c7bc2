from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from comments import panels
        from health_records import panels as record_pages

        record_pages.register(record_pages.TIMELINE, panels.timeline_unread)
        record_pages.register(record_pages.RECORD, panels.record_discussion)

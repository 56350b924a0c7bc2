from django.apps import AppConfig


class ErasureConfig(AppConfig):
    """The right to erasure: a patient deletes their account after a grace period, or staff erase it on request;
    and the access log's retention. It erases what every feature app keeps, so it sits above them, beside home."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "erasure"
    verbose_name = "Account erasure"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from erasure.middleware import mark_pending_deletion

        user_logged_in.connect(mark_pending_deletion, dispatch_uid="erasure_mark_pending_deletion")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts import user_sessions

        # Every way of signing in ends in django.contrib.auth.login: the session and the device are noted there.
        user_logged_in.connect(user_sessions.on_user_logged_in, dispatch_uid="accounts.user_session_start")
        user_logged_out.connect(user_sessions.on_user_logged_out, dispatch_uid="accounts.user_session_end")

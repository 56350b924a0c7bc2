from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts import quick_unlock, user_sessions

        # Every way of signing in ends in django.contrib.auth.login: the session and the device are noted there.
        user_logged_in.connect(user_sessions.on_user_logged_in, dispatch_uid="accounts.user_session_start")
        user_logged_out.connect(user_sessions.on_user_logged_out, dispatch_uid="accounts.user_session_end")
        # A browser where someone with a passkey signed in offers them a lock screen when the session runs out;
        # any sign-out forgets them.
        user_logged_in.connect(quick_unlock.on_user_logged_in, dispatch_uid="accounts.quick_unlock_remember")
        user_logged_out.connect(quick_unlock.on_user_logged_out, dispatch_uid="accounts.quick_unlock_forget")

        # Staff remove a second factor only through the users list's reset, with a reason, recorded and told
        # to the owner (accounts/two_factor/admin.py): not by deleting django-otp's rows in their own admin.
        # The admin app (before this one) has already registered them.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)

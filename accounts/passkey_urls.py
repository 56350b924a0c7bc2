"""django-otp-webauthn's endpoints, in the namespace its template tags reverse ("otp_webauthn"), with the
two views that finish a ceremony replaced by ours (accounts.passkey_views). Included in relyfe/urls.py."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn.views import BeginCredentialAuthenticationView, BeginCredentialRegistrationView

from accounts import passkey_views

app_name = "otp_webauthn"

urlpatterns = [
    path("registration/begin/", BeginCredentialRegistrationView.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/",
        passkey_views.PasskeyRegistrationCompleteView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkey_views.PasskeySignInCompleteView.as_view(),
        name="credential-authentication-complete",
    ),
    # The package's script messages; French from locale/fr/LC_MESSAGES/djangojs.po (LOCALE_PATHS).
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]

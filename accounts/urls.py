from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import claim_views, dependant_views, oidc_views, passkey_views, phone_views, unlock_views, views
from accounts.two_factor import views as two_factor_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    # Quick re-entry: the lock screen's passkey ceremony, and its "Not you?" (accounts.quick_unlock).
    path("login/unlock/begin/", unlock_views.UnlockBeginView.as_view(), name="unlock_begin"),
    path("login/unlock/complete/", unlock_views.UnlockCompleteView.as_view(), name="unlock_complete"),
    path("login/unlock/forget/", unlock_views.unlock_forget, name="unlock_forget"),
    path("login/second-step/", two_factor_views.second_step, name="second_step"),
    path("security/", two_factor_views.security, name="security"),
    path("security/authenticator/", two_factor_views.authenticator_enrol, name="authenticator_enrol"),
    path("security/recovery-codes/", two_factor_views.recovery_codes_regenerate, name="recovery_codes"),
    path("security/sms/", two_factor_views.sms_enable, name="sms_enable"),
    path(
        "security/remove/<str:kind>/",
        two_factor_views.factor_remove,
        name="factor_remove",
    ),
    path("security/banner/dismiss/", two_factor_views.banner_dismiss, name="second_factor_banner_dismiss"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    # OpenID Connect (Pro Santé Connect): 404 while settings.OIDC_ENABLED is off.
    path("oidc/start/", oidc_views.SignInStartView.as_view(), name="oidc_start"),
    path("oidc/callback/", oidc_views.SignInCallbackView.as_view(), name="oidc_callback"),
    path("oidc/refused/", oidc_views.sign_in_refused, name="oidc_refused"),
    path("signup/", views.sign_up_choice, name="sign_up"),
    path("signup/patient/", views.sign_up_patient, name="sign_up_patient"),
    path("signup/professional/", views.sign_up_professional, name="sign_up_professional"),
    path("signup/sent/", views.sign_up_sent, name="sign_up_sent"),
    path("signup/confirm/<str:token>/", views.sign_up_confirm, name="sign_up_confirm"),
    path("profile/", views.profile_edit, name="profile"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<uuid:session_id>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
    path("profile/devices/<uuid:token_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("profile/devices/revoke-all/", views.devices_revoke_all, name="devices_revoke_all"),
    path("directory/", views.directory, name="directory"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("password/reset/code/", phone_views.password_reset_phone, name="password_reset_phone"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("phone/confirm/", phone_views.phone_verify, name="phone_verify"),
    path("phone/confirm/send/", phone_views.phone_verify_send, name="phone_verify_send"),
    path("claim/", claim_views.claim, name="claim"),
    path("claim/done/", claim_views.claim_done, name="claim_done"),
    path("claim/renew/<uuid:patient_id>/", claim_views.claim_renew, name="claim_renew"),
    path("security/passkeys/", passkey_views.passkeys, name="passkeys"),
    path("security/passkeys/<uuid:passkey_id>/rename/", passkey_views.passkey_rename, name="passkey_rename"),
    path("security/passkeys/<uuid:passkey_id>/remove/", passkey_views.passkey_remove, name="passkey_remove"),
    path("family/", dependant_views.dependants, name="dependants"),
    path("family/new/", dependant_views.dependant_new, name="dependant_new"),
    path("family/<uuid:dependant_id>/claim-code/", dependant_views.dependant_claim_code, name="dependant_claim_code"),
    path("family/<uuid:dependant_id>/guardians/", dependant_views.guardian_invite, name="guardian_invite"),
    path(
        "family/invitations/<uuid:invitation_id>/<str:answer>/",
        dependant_views.guardian_invitation_answer,
        name="guardian_invitation_answer",
    ),
]

"""django-otp-webauthn ships no French. The messages of its that reach people (passkey sign-in and registration
errors), marked here so that makemessages keeps their French in our catalogue, which Django reads first."""

from django.utils.translation import gettext_noop

PACKAGE_MESSAGES = [
    gettext_noop("Authentication required."),
    gettext_noop("State is missing or invalid. Please begin the operation first before trying to complete it."),
    gettext_noop("The Passkey you tried to use was not found. Perhaps it was removed?"),
    gettext_noop("This user account is marked as disabled."),
    gettext_noop(
        "You must verify your identity first with an existing MFA device before you can register a new passkey."
    ),
]

"""Two-factor sign-in: an authenticator app (TOTP) with recovery codes, and for patients a code by text
message; all of them django-otp devices, so that passkeys (django-otp-webauthn) join the same list.

- policy.py: who must have a second factor, and whether a session is strongly authenticated.
- flow.py: the sign-in's second step (the pending state kept in the session, the lockout of wrong codes).
- services.py: enrolment, recovery codes, removal, the staff reset; each change is recorded and told.
- views.py, forms.py, api.py: the pages, and the token exchange of the mobile apps.
- middleware.py: professionals and staff reach nothing else until their session passed the second factor.
"""

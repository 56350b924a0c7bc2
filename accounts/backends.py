from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import throttling
from accounts.models import User
from relyfe.abuse import client_address


class IdentifierBackend(ModelBackend):
    """Signs in with an e-mail address or a mobile phone number, and refuses while throttled.

    Throttling lives here so that every way in (the sign-in page, the admin, the API token) is
    covered by the same counters.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if identifier is None or password is None:
            return None
        if throttling.wait_seconds(identifier):
            # PermissionDenied stops Django from trying any other backend.
            raise PermissionDenied
        user = super().authenticate(request, username=identifier, password=password)
        if user is None:
            throttling.record_failure(identifier, client_address(request))
        else:
            throttling.reset_account(identifier)
        return user

"""During the grace period of a deletion the account can only cancel it.

Every session was ended when the deletion was asked for, so a session of such an account began with a sign-in
since: the sign-in (user_logged_in) marks it, and this middleware sends every page of a marked session to the
page that says when the account will be erased and offers to cancel. API tokens were revoked too; a device that
signs in to the API since gets a 403 instead of its token, which is revoked at once. So no request pays a query for
this: only a marked session, or a token being issued, is looked at."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import ApiToken, ApiTokenRevocation
from accounts.tokens import PREFIX_LENGTH
from erasure.models import AccountDeletion
from erasure.selectors import pending_deletion_of

SESSION_KEY = "erasure_pending"
# Where a marked session may still go: the page itself, signing out, the language, the service worker.
ALLOWED_PREFIXES = ("/me/delete/pending/", "/me/delete/cancel/", "/accounts/logout/", "/i18n/", "/static/")


def mark_pending_deletion(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and pending_deletion_of(user=user) is not None:
        request.session[SESSION_KEY] = True


def _revoked_if_pending(response) -> bool:
    """A token just issued to an account whose deletion waits: revoked, and True."""
    key = (getattr(response, "data", None) or {}).get("token")
    if response.status_code != 200 or not isinstance(key, str):
        return False
    issued = ApiToken.objects.filter(
        prefix=key[:PREFIX_LENGTH], user__in=AccountDeletion.objects.pending().values("user")
    )
    return issued.revoke(reason=ApiTokenRevocation.BY_USER) > 0


class PendingDeletionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_KEY) and not request.path.startswith(ALLOWED_PREFIXES):
            if request.path.startswith("/api/"):
                return self._refused()
            return redirect(reverse("erasure:pending"))
        response = self.get_response(request)
        if request.path == reverse("api:token") and _revoked_if_pending(response):
            return self._refused()
        return response

    @staticmethod
    def _refused():
        return JsonResponse(
            {
                "code": "account_deletion_pending",
                "detail": _("This account will be deleted. Sign in on the website to cancel the deletion."),
                "fields": {},
            },
            status=403,
        )

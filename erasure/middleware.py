"""During the grace period of a deletion the account can only cancel it.

Every session was ended when the deletion was asked for, so a session of such an account began with a sign-in
since: the sign-in (user_logged_in) marks it, and this middleware sends every page of a marked session to the
page that says when the account will be erased and offers to cancel. API tokens were revoked too; one obtained
since is refused (403) on every call."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import ApiToken
from accounts.tokens import KEYWORD, PREFIX_LENGTH
from erasure.models import AccountDeletion
from erasure.selectors import pending_deletion_of

SESSION_KEY = "erasure_pending"
# Where a marked session may still go: the page itself, signing out, the language, the service worker.
ALLOWED_PREFIXES = ("/me/delete/pending/", "/me/delete/cancel/", "/accounts/logout/", "/i18n/", "/static/")


def mark_pending_deletion(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and pending_deletion_of(user=user) is not None:
        request.session[SESSION_KEY] = True


def _token_of_pending_account(request) -> bool:
    words = request.headers.get("Authorization", "").split()
    if len(words) != 2 or words[0].lower() != KEYWORD.lower():
        return False
    return (
        ApiToken.objects.filter(prefix=words[1][:PREFIX_LENGTH])
        .filter(user__in=AccountDeletion.objects.pending().values("user"))
        .exists()
    )


class PendingDeletionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        if is_api and _token_of_pending_account(request):
            return self._refused()
        if request.session.get(SESSION_KEY) and not request.path.startswith(ALLOWED_PREFIXES):
            if is_api:
                return self._refused()
            return redirect(reverse("erasure:pending"))
        return self.get_response(request)

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

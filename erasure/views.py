from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from erasure import services
from erasure.forms import DeleteAccountForm
from erasure.middleware import SESSION_KEY
from erasure.selectors import pending_deletion_of


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """What is erased and what is kept, the export first, then the password (and second factor) to confirm.
    Patients only: a professional's account holds comments and records in patients' files (see the README)."""
    user = request.user
    if not user.is_patient:
        raise Http404
    if pending_deletion_of(user=user) is not None:
        return redirect("erasure:pending")
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            deletion = services.account_deletion_request(
                actor=user, user=user, password=form.cleaned_data["password"], code=form.cleaned_data.get("code", "")
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            logout(request)
            messages.success(
                request,
                _("Your account will be deleted on %(date)s. You are signed out; sign in before then to cancel.")
                % {"date": _date(deletion.erase_after)},
            )
            return redirect("home")
    return render(
        request,
        "erasure/delete.html",
        {"form": form, "grace_days": services.grace_period().days},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def pending(request):
    deletion = pending_deletion_of(user=request.user)
    if deletion is None or deletion.by_staff:
        raise Http404
    return render(request, "erasure/pending.html", {"deletion": deletion})


@login_required
@require_http_methods(["POST"])
def cancel(request):
    deletion = pending_deletion_of(user=request.user)
    if deletion is None:
        raise Http404
    services.account_deletion_cancel(actor=request.user, deletion=deletion)
    request.session.pop(SESSION_KEY, None)
    messages.success(request, _("The deletion of your account is cancelled."))
    return redirect("home")


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")

"""The files a parent or guardian keeps: the list, a new dependant, and the code with which the dependant
takes their file over. The file itself is opened on the patient pages (records, treatments, photos), which
ask the access policy: a guardian reaches them as the owner does."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import dependant_services
from accounts.dependant_forms import DependantForm, GuardianInviteForm
from accounts.selectors import dependant_for_guardian, dependants_of
from relyfe.web import absolute_url


def _guardian_member(request):
    if not dependant_services.may_keep_dependants(request.user):
        raise Http404


@login_required
@require_http_methods(["GET"])
def dependants(request):
    _guardian_member(request)
    context = {
        "dependants": dependants_of(request.user),
        "invitations": dependant_services.guardian_invitations_for(request.user),
        "invite_form": GuardianInviteForm(),
    }
    return render(request, "accounts/dependants.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def dependant_new(request):
    _guardian_member(request)
    form = DependantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dependant = dependant_services.dependant_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The file of %(name)s is ready.") % {"name": dependant.full_name})
            return redirect("health_records:timeline", patient_id=dependant.public_id)
    return render(request, "accounts/dependant_new.html", {"form": form})


@never_cache
@login_required
@require_POST
def dependant_claim_code(request, dependant_id):
    """A code for the dependant to take their file over, shown once. Anyone but their guardian, or a file
    already taken over, gets a 404."""
    dependant = dependant_for_guardian(user=request.user, public_id=dependant_id)
    try:
        code = dependant_services.dependant_claim_code_issue(actor=request.user, dependant=dependant)
    except PermissionDenied as denied:
        raise Http404 from denied
    # Read again: the sheet shows the new code's expiry.
    dependant = dependant_for_guardian(user=request.user, public_id=dependant_id)
    return render(
        request,
        "accounts/dependant_claim_code.html",
        {"claimed_user": dependant, "claim_code": code, "claim_url": absolute_url(reverse("accounts:claim"))},
    )


@login_required
@require_POST
def guardian_invite(request, dependant_id):
    """Another member (the other parent) asked to keep the file too. The message is the same whether or not the
    address belongs to a member, so that the page does not tell who has an account."""
    dependant = dependant_for_guardian(user=request.user, public_id=dependant_id)
    form = GuardianInviteForm(request.POST)
    if form.is_valid():
        try:
            dependant_services.guardian_invite(
                actor=request.user, dependant=dependant, identifier=form.cleaned_data["identifier"], request=request
            )
        except PermissionDenied as denied:
            raise Http404 from denied
        messages.success(
            request,
            _("If a member signs in with this address or number, they are asked: they keep the file once they accept."),
        )
    return redirect("accounts:dependants")


@login_required
@require_POST
def guardian_invitation_answer(request, invitation_id, answer):
    """The invited member accepts to keep the file, or declines. Anyone else gets a 404."""
    if answer not in ("accept", "decline"):
        raise Http404
    try:
        invitation = dependant_services.guardian_invitation_answer(
            actor=request.user, invitation_id=invitation_id, accept=answer == "accept", request=request
        )
    except PermissionDenied as denied:
        raise Http404 from denied
    if answer == "accept":
        messages.success(
            request, _("You keep the file of %(name)s from now on.") % {"name": invitation.patient.full_name}
        )
    return redirect("accounts:dependants")

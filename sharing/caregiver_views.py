"""Caregivers' pages: the patient's "My caregivers" (add, change, end), the page where a member asked
answers (and later stops helping), and the invitation that a person without an account opens."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from access.models import Caregiver, CaregiverRight
from sharing import selectors, services
from sharing.forms import CaregiverAddForm, CaregiverRightsForm


def _patient(request):
    if not request.user.is_authenticated or not request.user.is_patient:
        raise Http404
    return request.user


def _errors_as_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def rights_of(caregiver: Caregiver) -> list[str]:
    """The labels of what the caregiver may do, for the pages."""
    if caregiver.guardian:
        return [str(_("Parent or legal guardian: everything"))]
    return [str(right.label) for right in CaregiverRight if getattr(caregiver, right.value)]


def _with_rights(rows):
    now = timezone.now()
    for row in rows:
        row.right_labels = rights_of(row)
        row.expired = row.invitation_expires_at is not None and row.invitation_expires_at <= now
    return rows


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def caregivers(request):
    patient = _patient(request)
    form = CaregiverAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            caregiver, token = services.caregiver_add(
                actor=patient,
                patient=patient,
                identifier=form.cleaned_data["identifier"],
                rights=form.rights(),
                request=request,
            )
        except ValidationError as error:
            _errors_as_messages(request, error)
        else:
            if token is None:
                messages.success(
                    request,
                    _("%(name)s was asked; their rights start when they accept.")
                    % {"name": caregiver.caregiver.full_name},
                )
            else:
                messages.success(request, _("The invitation was sent. It is valid for 14 days."))
            return redirect("sharing:caregivers")
    rows = selectors.caregivers_of(user=patient)
    context = {
        "form": form,
        "pending": _with_rights(rows["pending"]),
        "active": _with_rights(rows["active"]),
        "past": rows["past"],
    }
    return render(request, "sharing/caregivers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def caregiver_edit(request, caregiver_id):
    patient = _patient(request)
    caregiver = selectors.caregiver_of_patient(user=patient, public_id=caregiver_id)
    if caregiver.revoked_at is not None or caregiver.guardian:
        raise Http404
    initial = {name: getattr(caregiver, name) for name in CaregiverRightsForm.base_fields}
    form = CaregiverRightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.caregiver_rights_change(actor=patient, caregiver=caregiver, rights=form.rights(), request=request)
        except ValidationError as error:
            _errors_as_messages(request, error)
        else:
            messages.success(request, _("The caregiver's rights are changed."))
            return redirect("sharing:caregivers")
    return render(request, "sharing/caregiver_edit.html", {"form": form, "caregiver": caregiver})


@login_required
@require_POST
def caregiver_revoke(request, caregiver_id):
    patient = _patient(request)
    caregiver = selectors.caregiver_of_patient(user=patient, public_id=caregiver_id)
    services.caregiver_revoke(actor=patient, caregiver=caregiver, request=request)
    messages.success(request, _("This caregiver can no longer act for you."))
    return redirect("sharing:caregivers")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def caregiver_helping(request, caregiver_id):
    """The member asked to help: accept or decline; once in force, what they may do and "Stop helping"."""
    caregiver = selectors.caregiver_asking(user=request.user, public_id=caregiver_id)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "accept":
                services.caregiver_accept(actor=request.user, caregiver=caregiver, request=request)
                messages.success(request, _("You now help %(name)s.") % {"name": caregiver.patient.full_name})
            else:
                services.caregiver_stop(actor=request.user, caregiver=caregiver, request=request)
                messages.success(request, _("%(name)s was told.") % {"name": caregiver.patient.full_name})
        except ValidationError as error:
            _errors_as_messages(request, error)
        return redirect("sharing:caregiver_helping", caregiver_id=caregiver.public_id)
    caregiver.right_labels = rights_of(caregiver)
    return render(request, "sharing/caregiver_helping.html", {"caregiver": caregiver})


@require_http_methods(["GET", "POST"])
@never_cache
def caregiver_invitation(request, token):
    """Opened from the e-mail or text message: who invites, for what; accept (signed in) or decline."""
    invitation = services.caregiver_invitation_of(token)
    if invitation is None:
        return render(request, "sharing/caregiver_invitation.html", {"invitation": None}, status=404)
    if request.method == "POST":
        if request.POST.get("decision") == "decline":
            services.caregiver_invitation_decline(token=token)
            messages.success(request, _("You declined. %(name)s was told.") % {"name": invitation.patient.full_name})
            return redirect("home")
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
        try:
            caregiver = services.caregiver_invitation_accept(actor=request.user, token=token, request=request)
        except ValidationError as error:
            _errors_as_messages(request, error)
            return redirect(request.path)
        messages.success(request, _("You now help %(name)s.") % {"name": caregiver.patient.full_name})
        return redirect("sharing:caregiver_helping", caregiver_id=caregiver.public_id)
    invitation.right_labels = rights_of(invitation)
    next_query = urlencode({"next": request.path})
    return render(request, "sharing/caregiver_invitation.html", {"invitation": invitation, "next_query": next_query})

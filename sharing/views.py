"""The patient's sharing pages (care team, links, emergency profile, access requests) and the
professional's list of patients."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.models import Scope
from access.policy import Action
from accounts.models import Role, User
from relyfe.offline import keep_offline
from relyfe.undo import offer_undo
from relyfe.web import absolute_url
from sharing import heartcode, selectors, services
from sharing.forms import (
    ApproveRequestForm,
    EmergencyProfileForm,
    GrantForm,
    ProposalForm,
    ShareLinkForm,
    SharingSettingsForm,
)
from treatments.allergy_selectors import emergency_allergies
from treatments.selectors import emergency_medications


def _patient(request):
    if not request.user.is_authenticated or not request.user.is_patient:
        raise Http404
    return request.user


def _form_errors_as_messages(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


# --- Care team and grants -------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def care_team(request):
    patient = _patient(request)
    sharing_settings = selectors.sharing_settings_of(patient=patient)
    return render(
        request,
        "sharing/care_team.html",
        {
            "grants": selectors.care_team(user=patient),
            "past_grants": selectors.past_grants(user=patient)[:20],
            "proposals": selectors.proposals_for_patient(user=patient),
            "settings_form": SharingSettingsForm(
                initial={
                    "team_may_invite": sharing_settings.team_may_invite,
                    "invite_max_permission": sharing_settings.invite_max_permission,
                }
            ),
        },
    )


@login_required
@require_GET
def professional_search(request):
    """Suggestions for the grant and proposal forms (an htmx fragment), from the directory."""
    professionals = selectors.professionals_matching(query=request.GET.get("q", ""))
    return render(request, "sharing/_professional_choices.html", {"professionals": professionals})


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def grant_new(request):
    return _grant_form(request, grant=None)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def grant_edit(request, grant_id):
    grant = selectors.grant_of_patient(user=request.user, public_id=grant_id)
    if not grant.is_active:
        raise Http404
    return _grant_form(request, grant=grant)


def _grant_form(request, *, grant):
    patient = _patient(request)
    initial = {}
    if grant is not None:
        initial = {
            "professional": grant.professional.public_id,
            "scope": grant.scope,
            "records": list(grant.records.all()),
            "kinds": grant.kinds,
            "permission": grant.permission,
            "ends_on": GrantForm.last_day(grant.ends_at),
        }
    form = GrantForm(request.POST or None, patient=patient, initial=initial)
    # The professional chosen stays chosen when the form comes back with an error.
    professional = grant.professional if grant is not None else _chosen_professional(form)
    if request.method == "POST" and form.is_valid():
        if professional is None or (grant is not None and professional != grant.professional):
            form.add_error(None, _("Choose a professional in the list."))
        else:
            try:
                services.grant_give(
                    actor=patient,
                    professional=professional,
                    scope=form.cleaned_data["scope"],
                    permission=form.cleaned_data["permission"],
                    records=form.cleaned_data["records"],
                    kinds=form.cleaned_data["kinds"],
                    ends_at=form.ends_at(),
                    request=request,
                )
            except ValidationError as error:
                _form_errors_as_messages(request, error)
            else:
                messages.success(request, _("%(name)s now has access to your file.") % {"name": professional.full_name})
                return redirect("sharing:care_team")
    context = {"form": form, "grant": grant, "chosen": professional, "chosen_choices": [professional]}
    return render(request, "sharing/grant_form.html", context)


def _chosen_professional(form) -> User | None:
    try:
        public_id = form.fields["professional"].clean(form["professional"].value())
    except ValidationError:
        return None
    return User.objects.filter(public_id=public_id, role=Role.PROFESSIONAL, is_active=True).first()


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def grant_revoke(request, grant_id):
    """GET asks to confirm (the care team's button leads here, with or without JavaScript); POST withdraws
    and offers an undo for a few seconds."""
    grant = selectors.grant_of_patient(user=request.user, public_id=grant_id)
    if request.method == "GET":
        if not grant.is_active:
            return redirect("sharing:care_team")
        return render(request, "sharing/confirm_revoke.html", {"grant": grant})
    services.grant_revoke(actor=request.user, grant=grant, request=request)
    offer_undo(
        request,
        _("%(name)s no longer has access to your file.") % {"name": grant.professional.full_name},
        url=reverse("sharing:grant_restore", args=[grant.public_id]),
    )
    return redirect("sharing:care_team")


@login_required
@require_POST
def grant_restore(request, grant_id):
    grant = selectors.grant_of_patient(user=request.user, public_id=grant_id)
    try:
        services.grant_restore(actor=request.user, grant=grant, request=request)
    except ValidationError as error:
        _form_errors_as_messages(request, error)
    else:
        messages.success(request, _("Undone: %(name)s has access again.") % {"name": grant.professional.full_name})
    return redirect("sharing:care_team")


@login_required
@require_GET
@never_cache
def my_patients(request):
    return render(request, "sharing/my_patients.html", {"grants": selectors.my_patients(user=request.user)})


# --- Share links ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def links(request):
    patient = _patient(request)
    form = ShareLinkForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link, token, passcode = services.share_link_create(
                actor=patient,
                records=data["records"],
                lifetime=timedelta(days=data["days"]),
                max_opens=data["max_opens"],
                with_passcode=data["with_passcode"],
                allow_comments=data["allow_comments"],
                mask_faces=data["mask_faces"],
                label=data["label"],
                recipient_email=data["recipient_email"],
                request=request,
            )
        except ValidationError as error:
            _form_errors_as_messages(request, error)
        else:
            url = absolute_url(reverse("sharing:link_open", args=[token]))
            # The link and the passcode are shown this once: only their hashes are kept.
            return render(
                request,
                "sharing/link_created.html",
                {"link": link, "url": url, "passcode": passcode, "qr_svg": heartcode.qr_svg(url).decode()},
            )
    return render(request, "sharing/links.html", {"form": form, "links": selectors.share_links(user=patient)})


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def link_revoke(request, link_id):
    """GET asks to confirm; POST stops the link and offers an undo for a few seconds."""
    link = selectors.share_link_of_patient(user=request.user, public_id=link_id)
    if request.method == "GET":
        if not link.is_usable:
            return redirect("sharing:links")
        return render(request, "sharing/confirm_revoke.html", {"link": link})
    services.share_link_revoke(actor=request.user, link=link, request=request)
    offer_undo(request, _("The link no longer works."), url=reverse("sharing:link_restore", args=[link.public_id]))
    return redirect("sharing:links")


@login_required
@require_POST
def link_restore(request, link_id):
    link = selectors.share_link_of_patient(user=request.user, public_id=link_id)
    try:
        services.share_link_restore(actor=request.user, link=link, request=request)
    except ValidationError as error:
        _form_errors_as_messages(request, error)
    else:
        messages.success(request, _("Undone: the link works again."))
    return redirect("sharing:links")


# --- Emergency profile and Heart-Code -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def emergency_edit(request):
    patient = _patient(request)
    profile = services.emergency_profile_ensure(patient=patient)
    form = EmergencyProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in EmergencyProfileForm.Meta.fields}
        services.emergency_profile_update(
            actor=patient,
            profile=profile,
            fields=fields,
            visible_sections=form.cleaned_data["sections"],
            request=request,
        )
        messages.success(request, _("Your emergency profile is saved."))
        return redirect("sharing:emergency")
    url = absolute_url(reverse("sharing:emergency_page", args=[services.emergency_token_of(profile)]))
    context = {
        "form": form,
        "profile": profile,
        "url": url,
        "qr_svg": heartcode.qr_svg(url).decode(),
        "medications": emergency_medications(patient=patient),
        "allergy_list": emergency_allergies(patient=patient),
    }
    response = render(request, "sharing/emergency_edit.html", context)
    if request.method == "GET":
        # The patient's own card and Heart-Code open without a network (relyfe/offline.py).
        keep_offline(response, as_path=reverse("sharing:emergency"))
    return response


HEARTCODE_FORMATS = {
    "svg": ("image/svg+xml", "heart-code.svg"),
    "png": ("image/png", "heart-code.png"),
    "card.png": ("image/png", "heart-code-card.png"),
    "card.pdf": ("application/pdf", "heart-code-card.pdf"),
}


@login_required
@require_GET
@never_cache
def heartcode_download(request, file_format):
    patient = _patient(request)
    if file_format not in HEARTCODE_FORMATS:
        raise Http404
    profile = services.emergency_profile_ensure(patient=patient)
    url = absolute_url(reverse("sharing:emergency_page", args=[services.emergency_token_of(profile)]))
    card = {"name": patient.full_name, "url": url, "instructions": _("In an emergency, scan this code.")}
    content = {
        "svg": lambda: heartcode.qr_svg(url),
        "png": lambda: heartcode.qr_png(url),
        "card.png": lambda: heartcode.wallet_card_png(**card),
        "card.pdf": lambda: heartcode.wallet_card_pdf(**card),
    }[file_format]()
    content_type, filename = HEARTCODE_FORMATS[file_format]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def heartcode_regenerate(request):
    patient = _patient(request)
    profile = services.emergency_profile_ensure(patient=patient)
    services.emergency_profile_regenerate_code(actor=patient, profile=profile, request=request)
    messages.success(request, _("Your Heart-Code is new: the old one and the cards printed with it no longer work."))
    return redirect("sharing:emergency")


# --- Access requests ------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def requests_list(request):
    patient = _patient(request)
    access_requests = [
        (access_request, services.access_request_link_url(access_request))
        for access_request in selectors.access_requests(user=patient)[:50]
    ]
    return render(request, "sharing/requests.html", {"access_requests": access_requests})


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def request_answer(request, request_id):
    patient = _patient(request)
    access_request = selectors.access_request_of_patient(user=patient, public_id=request_id)
    form = ApproveRequestForm(request.POST or None, patient=patient, initial={"scope": Scope.ALL})
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "refuse":
                services.access_request_refuse(actor=patient, access_request=access_request, request=request)
                messages.success(request, _("The request is refused."))
                return redirect("sharing:requests")
            if form.is_valid():
                services.access_request_approve(
                    actor=patient,
                    access_request=access_request,
                    scope=form.cleaned_data["scope"],
                    permission=form.cleaned_data["permission"],
                    duration=form.duration_value(),
                    records=form.cleaned_data["records"],
                    kinds=form.cleaned_data["kinds"],
                    request=request,
                )
                messages.success(request, _("The request is approved."))
                return redirect("sharing:request", request_id=access_request.public_id)
        except ValidationError as error:
            _form_errors_as_messages(request, error)
    context = {
        "access_request": access_request,
        "form": form,
        "link_url": services.access_request_link_url(access_request),
    }
    return render(request, "sharing/request_answer.html", context)


# --- Care team proposals --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def propose(request, patient_id):
    """A professional of the patient's care team proposes a colleague."""
    patient = User.objects.filter(public_id=patient_id, role=Role.PATIENT).first()
    access = policy.decide(request.user, Action.VIEW, patient) if patient is not None else policy.DENIED
    if not policy.may_propose_colleagues(access):
        raise Http404
    form = ProposalForm(request.POST or None, kinds_seen=None if access.whole_file else access.grant.kinds)
    if request.method == "POST" and form.is_valid():
        professional = User.objects.filter(public_id=form.cleaned_data["professional"], role=Role.PROFESSIONAL).first()
        if professional is None:
            form.add_error(None, _("Choose a professional in the list."))
        else:
            try:
                proposal = services.care_team_propose(
                    actor=request.user,
                    patient=patient,
                    professional=professional,
                    message=form.cleaned_data["message"],
                    scope=form.cleaned_data["scope"],
                    kinds=form.cleaned_data["kinds"],
                    permission=form.cleaned_data["permission"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if proposal.status == "approved":
                    messages.success(
                        request, _("%(name)s now has access to the file.") % {"name": professional.full_name}
                    )
                else:
                    messages.success(request, _("The patient will answer your proposal."))
                return redirect("health_records:timeline", patient_id=patient.public_id)
    chosen = _chosen_professional(form)
    context = {"form": form, "patient": patient, "chosen": chosen, "chosen_choices": [chosen]}
    return render(request, "sharing/propose.html", context)


@login_required
@require_POST
def proposal_answer(request, proposal_id):
    proposal = selectors.proposal_of_patient(user=request.user, public_id=proposal_id)
    try:
        services.care_team_proposal_answer(
            actor=request.user, proposal=proposal, approve=request.POST.get("decision") == "approve", request=request
        )
    except ValidationError as error:
        _form_errors_as_messages(request, error)
    return redirect("sharing:care_team")


@login_required
@require_POST
def sharing_settings(request):
    patient = _patient(request)
    form = SharingSettingsForm(request.POST)
    if form.is_valid():
        services.sharing_settings_update(actor=patient, **form.cleaned_data)
        messages.success(request, _("Your choice is saved."))
    return redirect("sharing:care_team")

"""Pages of renewals and stock: recording a dispensing, asking the prescriber to renew, the prepared message
for a prescriber who is not a member, and the prescriber's list of requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from access.policy import Action
from treatments import selectors, supply_selectors, supply_services
from treatments.forms import DispensingForm, RenewalAnswerForm
from treatments.models import RenewalRequest


@login_required
@require_POST
def dispensing_new(request, medication_id):
    medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
    form = DispensingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date and the number of boxes."))
    else:
        try:
            supply_services.dispensing_record(
                actor=request.user, medication=medication, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The dispensing is recorded."))
    return redirect("treatments:detail", treatment_id=medication.treatment.public_id)


@login_required
@require_POST
def renewal_request_new(request, treatment_id):
    treatment = supply_selectors.treatment_for_renewal(user=request.user, public_id=treatment_id)
    try:
        renewal_request = supply_services.renewal_request_create(
            actor=request.user, treatment=treatment, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("treatments:detail", treatment_id=treatment.public_id)
    if renewal_request.status == RenewalRequest.Status.SENT:
        messages.success(request, _("Your prescriber is asked to renew this treatment."))
    return redirect("treatments:renewal_request", request_id=renewal_request.public_id)


@login_required
@require_GET
@never_cache
def renewal_request_detail(request, request_id):
    """The request as the patient sees it; for a prescriber who is not a member, the message to send them
    (copied, or printed: the page prints without the site around it)."""
    renewal_request = supply_selectors.renewal_request_for_patient(
        user=request.user, public_id=request_id, request=request
    )
    return render(request, "treatments/renewal_request.html", {"renewal_request": renewal_request})


@login_required
@require_GET
@never_cache
def renewal_requests(request):
    """The prescriber's inbox of renewal requests."""
    requests = supply_selectors.renewal_requests_to(user=request.user)
    return render(request, "treatments/renewal_requests.html", {"requests": requests})


@login_required
@require_POST
def renewal_request_answer(request, request_id):
    renewal_request = supply_selectors.renewal_request_to(user=request.user, public_id=request_id)
    form = RenewalAnswerForm(request.POST)
    if not form.is_valid():
        return redirect("treatments:renewal_requests")
    try:
        supply_services.renewal_request_answer(
            actor=request.user,
            renewal_request=renewal_request,
            renewed=form.cleaned_data["answer"] == "renewed",
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The patient is told of your answer."))
    return redirect("treatments:renewal_requests")

"""How a patient takes over the account a professional created for them, and how that professional
gives them a new code. Codes never travel in URLs: the claim page asks for them, the renewal answers a
POST."""

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.claim_forms import ClaimForm
from accounts.models import Role, User
from accounts.views import BACKEND, set_language_cookie
from relyfe.web import absolute_url


@never_cache
@sensitive_post_parameters("code", "password1", "password2")
@require_http_methods(["GET", "POST"])
def claim(request):
    form = ClaimForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.account_claim_redeem(
                code=data["code"], email=data["email"], phone=data["phone"], password=data["password1"]
            )
        except ValidationError as error:
            # The form checked everything first; this is a race (the code used or renewed meanwhile).
            form.add_error(None, error.messages if hasattr(error, "error_dict") else error)
        else:
            login(request, user, backend=BACKEND)
            return set_language_cookie(redirect("accounts:claim_done"), user.language)
    return render(request, "accounts/claim.html", {"form": form})


@login_required
@require_http_methods(["GET"])
def claim_done(request):
    return render(request, "accounts/claim_done.html")


@never_cache
@login_required
@require_POST
def claim_renew(request, patient_id):
    """A new code for the patient, shown once, for the professional who created the account. Anyone else,
    or an account already claimed, gets a 404: the page does not tell whether the patient exists."""
    patient = get_object_or_404(User, public_id=patient_id, role=Role.PATIENT)
    try:
        code = services.account_claim_renew(actor=request.user, user=patient)
    except PermissionDenied as denied:
        raise Http404 from denied
    return render(
        request,
        "accounts/claim_renewed.html",
        {"claimed_user": patient, "claim_code": code, "claim_url": absolute_url(reverse("accounts:claim"))},
    )

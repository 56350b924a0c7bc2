"""The patient's allergies page (their own, or a professional's view of it) and removing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from access.models import AccessPath
from access.policy import Action
from treatments import allergy_selectors, allergy_services
from treatments.forms import AllergyForm


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def patient_allergies(request, patient_id):
    patient, access, allergies = allergy_selectors.allergies_for_user(
        user=request.user, patient_id=patient_id, request=request
    )
    can_add = bool(allergy_selectors.allergy_access(request.user, patient, Action.CREATE))
    form = AllergyForm(request.POST or None)
    if request.method == "POST" and can_add and form.is_valid():
        values = form.cleaned_data
        try:
            allergy_services.allergy_add(
                actor=request.user,
                patient=patient,
                label=values["allergen"],
                substance=values["allergen"],
                drug_class=values["drug_class"],
                kind=values["kind"],
                reaction=values["reaction"],
                severity=values["severity"],
                on_emergency_profile=values["on_emergency_profile"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The allergy is recorded."))
            return redirect("treatments:allergies", patient_id=patient.public_id)
    context = {
        "patient": patient,
        "is_owner": access.path == AccessPath.OWNER,
        "allergies": allergies,
        "can_add": can_add,
        "form": form,
    }
    return render(request, "treatments/allergies.html", context)


@login_required
@require_POST
def allergy_remove(request, allergy_id):
    allergy = allergy_selectors.allergy_for_user(user=request.user, public_id=allergy_id)
    allergy_services.allergy_remove(actor=request.user, allergy=allergy, request=request)
    messages.success(request, _("The allergy is removed."))
    return redirect("treatments:allergies", patient_id=allergy.patient.public_id)

"""The home page: for a visitor, how to join; for a patient, their latest records, today's doses and their
sharing; for a professional, their patients (home/dashboard.py); for staff, the way to the administration."""

from django.shortcuts import render

from accounts.selectors import profile_of
from accounts.two_factor.views import banner_shown as second_factor_banner_shown
from health_records import selectors as records
from home.dashboard import professional_dashboard
from sharing import selectors as sharing
from treatments import selectors as treatment_selectors

HOME_RECENT_RECORDS = 5


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/visitor.html")
    context = {"profile": profile_of(user)}
    if user.is_patient:
        template = "home/patient.html"
        patient, access = records.patient_get_for_user(user=user, public_id=user.public_id)
        context["recent_records"] = records.timeline_records(
            user=user, patient=patient, access=access, request=request
        )[:HOME_RECENT_RECORDS]
        context |= _todays_treatments(user=user, request=request)
        context["care_team_size"] = sharing.care_team(user=user).count()
        context["pending_requests"] = sharing.pending_access_requests(user=user).count()
        context["suggest_second_factor"] = second_factor_banner_shown(request)
    elif user.is_professional:
        template = "home/professional.html"
        context |= professional_dashboard(user=user)
    else:
        template = "home/staff.html"
    return render(request, template, context)


def _todays_treatments(*, user, request) -> dict:
    """The patient's current treatments and today's doses, as their treatments page reads them."""
    patient, _access, treatments = treatment_selectors.treatments_of_patient(
        user=user, patient_id=user.public_id, request=request
    )
    today = treatment_selectors.patient_today(patient)
    treatments = list(treatments)
    return {
        "today": today,
        "current_treatments": treatment_selectors.treatments_by_status(treatments, day=today)["current"],
        "plan": treatment_selectors.day_plan(patient=patient, day=today, treatments=treatments),
    }

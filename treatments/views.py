from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.models import AccessPath
from access.policy import Action
from health_records.selectors import health_record_for_action
from relyfe.offline import keep_offline
from relyfe.web import safe_next
from treatments import (
    actions,
    allergy_selectors,
    calendar_views,
    lexicon,
    safety_checks,
    selectors,
    services,
    supply_selectors,
)
from treatments.forms import (
    DispensingForm,
    IntakeAnswerForm,
    MedicationForm,
    ReminderSettingsForm,
    SafetyConfirmationForm,
    TreatmentForm,
)
from treatments.models import STATUS_LABELS, Intake, TreatmentStatus
from treatments.safety_checks import CONFIRMATION_REQUIRED


@login_required
@require_GET
def my_treatments(request):
    if not request.user.is_patient:
        raise Http404
    return redirect("treatments:patient", patient_id=request.user.public_id)


@login_required
@require_GET
@never_cache
def patient_treatments(request, patient_id):
    patient, access, treatments = selectors.treatments_of_patient(
        user=request.user, patient_id=patient_id, request=request
    )
    today = selectors.patient_today(patient)
    treatments = list(treatments)
    groups = selectors.treatments_by_status(treatments, day=today)
    allergy_access = allergy_selectors.allergy_access(request.user, patient)
    in_force = [*groups["current"], *groups["upcoming"]]
    context = {
        "patient": patient,
        "is_owner": access.path == AccessPath.OWNER,
        "for_professional": not safety_checks.acts_for_patient(access),
        "can_confirm": not safety_checks.acts_for_patient(access) and access.can(Action.UPDATE),
        "can_add": selectors.may_add_treatment(request.user, patient),
        "allergies": allergy_selectors.allergies_of(patient) if allergy_access else None,
        "with_warnings": safety_checks.attach_warnings(
            patient, [medication for treatment in in_force for medication in treatment.medications.all()]
        ),
        # The patient, and a caregiver they allowed to answer doses, see the buttons.
        "can_answer": access.can(Action.ANSWER_DOSE),
        "today": today,
        "plan": selectors.day_plan(patient=patient, day=today, treatments=treatments),
        "current": _with_adherence(groups["current"], today),
        "upcoming": groups["upcoming"],
        "past": _with_adherence(groups["past"], today),
    }
    response = render(request, "treatments/patient_treatments.html", context)
    if context["is_owner"]:
        # The patient's own doses open without a network, at the app's start address too.
        keep_offline(response, as_path=reverse("treatments:today"))
    return response


def _with_adherence(treatments, today):
    return [(treatment, selectors.adherence(treatment=treatment, today=today)) for treatment in treatments]


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def treatment_new(request, patient_id):
    prescription = None
    if request.GET.get("prescription"):
        prescription, _record_access = health_record_for_action(
            user=request.user, public_id=request.GET["prescription"], action=Action.VIEW
        )
    patient, _access = selectors.patient_for_new_treatment(
        user=request.user, patient_id=patient_id, prescription=prescription
    )
    initial = {"start_date": timezone.localdate(), "title": prescription.title if prescription else ""}
    form = TreatmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            treatment = services.treatment_create(
                actor=request.user,
                patient=patient,
                prescription=prescription,
                request=request,
                **{name: form.cleaned_data[name] for name in ["title", "prescriber_name", "start_date", "end_date"]},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The treatment is added: now add its medications."))
            return redirect("treatments:detail", treatment_id=treatment.public_id)
    return render(
        request, "treatments/treatment_new.html", {"form": form, "patient": patient, "prescription": prescription}
    )


@login_required
@require_GET
@never_cache
def treatment_detail(request, treatment_id):
    treatment, access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, request=request)
    return _treatment_page(request, treatment, access, MedicationForm(treatment=treatment))


def _treatment_page(request, treatment, access, form, safety_form=None):
    today = selectors.patient_today(treatment.patient)
    status = treatment.status_on(today)
    if status not in (TreatmentStatus.STOPPED, TreatmentStatus.FINISHED):
        safety_checks.attach_warnings(treatment.patient, treatment.medications.all())
    context = {
        "treatment": treatment,
        "status": status,
        "today": today,
        "patient": treatment.patient,
        "is_owner": access.path == AccessPath.OWNER,
        "can_add": access.can(Action.CREATE) and treatment.status in selectors.CURRENT,
        "can_change": access.can(Action.UPDATE),
        "for_professional": not safety_checks.acts_for_patient(access),
        "safety_form": safety_form,
        "adherence": selectors.adherence(treatment=treatment, today=today),
        "form": form,
        "status_label": STATUS_LABELS[status],
        "statuses": TreatmentStatus,
        **_supply_context(request, treatment, today),
    }
    return render(request, "treatments/treatment_detail.html", context)


def _supply_context(request, treatment, today) -> dict:
    """Each medication's stock and renewals (`medication.supply`), and the renewal requests."""
    supplies = supply_selectors.supplies_of(treatment, today=today)
    for medication in treatment.medications.all():
        medication.supply = supplies[medication.pk]
    may_ask = supply_selectors.may_ask_renewal(request.user, treatment)
    return {
        "may_ask_renewal": may_ask,
        "renewal_requests": list(treatment.renewal_requests.all()[:5]) if may_ask else [],
        "dispensing_form": DispensingForm(initial={"dispensed_on": today, "boxes": 1}),
    }


@login_required
@require_POST
def medication_new(request, treatment_id):
    treatment, access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, action=Action.CREATE)
    form = MedicationForm(request.POST, treatment=treatment)
    safety_form = SafetyConfirmationForm(request.POST)
    if form.is_valid() and safety_form.is_valid():
        try:
            medication = services.medication_add(
                actor=request.user,
                treatment=treatment,
                values=form.values(),
                safety_reason=safety_form.cleaned_data["safety_reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The medication is added."))
            _tell_warnings(request, medication)
            return redirect("treatments:detail", treatment_id=treatment.public_id)
    treatment, access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, request=request)
    return _treatment_page(request, treatment, access, form, _asked_confirmation(form, safety_form))


def _asked_confirmation(form, safety_form):
    """The reason field, shown again when the service asked a professional to confirm a warning."""
    asked = any(error.code == CONFIRMATION_REQUIRED for error in form.non_field_errors().as_data())
    return safety_form if asked else None


def _tell_warnings(request, medication):
    """The warnings of what was just saved, said once on the next page (which shows them too)."""
    for warning in safety_checks.warnings_of(medication):
        messages.warning(request, warning.message)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def medication_edit(request, medication_id):
    medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
    form = MedicationForm(request.POST or None, instance=medication, treatment=medication.treatment)
    safety_form = SafetyConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and safety_form.is_valid():
        try:
            changed = services.medication_update(
                actor=request.user,
                medication=medication,
                values=form.values(),
                safety_reason=safety_form.cleaned_data["safety_reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The medication is changed: it applies from the next dose."))
            _tell_warnings(request, changed)
            return redirect("treatments:detail", treatment_id=medication.treatment.public_id)
        medication.refresh_from_db()
    safety_checks.attach_warnings(medication.treatment.patient, [medication])
    context = {
        "form": form,
        "medication": medication,
        "safety_form": _asked_confirmation(form, safety_form) if form.is_bound else None,
        "for_professional": not safety_checks.acts_for_patient(
            policy.decide(request.user, Action.UPDATE, medication.treatment.patient, treatment=medication.treatment)
        ),
    }
    return render(request, "treatments/medication_edit.html", context)


@login_required
@require_POST
def medication_safety_confirm(request, medication_id):
    """A professional confirms a medication the patient recorded despite its warning, with a reason."""
    medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
    form = SafetyConfirmationForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["safety_reason"])
        services.medication_safety_confirm(
            actor=request.user, medication=medication, reason=form.cleaned_data["safety_reason"], request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The medication is confirmed; your reason is recorded."))
    return redirect(safe_next(request, reverse("treatments:detail", args=[medication.treatment.public_id])))


@login_required
@require_POST
def medication_stop(request, medication_id):
    medication = selectors.medication_for_user(user=request.user, public_id=medication_id, action=Action.UPDATE)
    services.medication_stop(actor=request.user, medication=medication, request=request)
    messages.success(request, _("The medication is stopped."))
    return redirect("treatments:detail", treatment_id=medication.treatment.public_id)


@login_required
@require_POST
def treatment_status(request, treatment_id):
    treatment, _access = selectors.treatment_for_user(user=request.user, public_id=treatment_id, action=Action.UPDATE)
    try:
        services.treatment_set_status(
            actor=request.user, treatment=treatment, status=request.POST.get("status"), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("treatments:detail", treatment_id=treatment.public_id)


@login_required
@require_POST
def intake_answer(request):
    form = IntakeAnswerForm(request.POST)
    if not form.is_valid():
        raise Http404
    medication = selectors.medication_for_user(
        user=request.user, public_id=form.cleaned_data["medication"], action=Action.ANSWER_DOSE
    )
    day, moment = form.cleaned_data["local_date"], form.cleaned_data["moment"]
    slot = selectors.slot_of(medication=medication, day=day, moment=moment)
    if slot is None:
        raise Http404
    intake = services.intake_answer(  # raises Concealed, an Http404, for anyone but the patient and caregivers
        actor=request.user,
        medication=medication,
        local_date=day,
        moment=moment,
        due_at=slot.due_at,
        answer=form.cleaned_data["answer"],
        request=request,
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        # An answer given offline, sent by the page once back online (static/js/app.js): it must know it was saved.
        return JsonResponse({"status": intake.status})
    return redirect(_back_to(request))


def _back_to(request) -> str:
    """The page the answer was given on (the home or the treatments page), never another site."""
    return safe_next(request, reverse("treatments:mine"))


@login_required
@require_GET
@never_cache
def caring(request):
    """ "People I help": the patients the user is a caregiver of, with today's doses to answer."""
    people = selectors.people_i_help(user=request.user, request=request)
    return render(request, "treatments/caring.html", {"people": people})


@csrf_exempt
@require_POST
def reminder_action(request, dispatch_id, action):
    """ "Taken" or "Snooze" from a notification: the URL's signed token, or the patient's own session."""
    dispatch = selectors.dispatch_by_public_id(dispatch_id)
    if action not in actions.ACTIONS:
        raise Http404
    by_token = actions.token_is_valid(request.GET.get("token", ""), dispatch, action)
    if not by_token and not (request.user.is_authenticated and request.user.pk == dispatch.patient_id):
        raise Http404
    answer = Intake.Status.TAKEN if action == "taken" else Intake.Status.SNOOZED
    services.dispatch_answer(patient=dispatch.patient, dispatch=dispatch, answer=answer, request=request)
    if request.headers.get("Accept", "").startswith("text/html") and request.user.is_authenticated:
        messages.success(request, _("Noted."))
        return redirect("treatments:mine")
    return HttpResponse(status=204)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def reminder_settings(request):
    if not request.user.is_patient:
        raise Http404
    form = ReminderSettingsForm(request.POST or None, instance=selectors.reminder_settings_of(patient=request.user))
    if request.method == "POST" and form.is_valid():
        services.reminder_settings_update(actor=request.user, values=form.cleaned_data, request=request)
        messages.success(request, _("Your reminder times are saved."))
        return redirect("treatments:mine")
    return render(request, "treatments/reminder_settings.html", {"form": form, **calendar_views.section(request)})


@login_required
@require_GET
def drug_suggestions(request):
    """Options for the medication name's datalist (htmx): brand or substance, accents ignored. The allergy
    form sends what was typed as `allergen`."""
    typed = request.GET.get("name") or request.GET.get("allergen", "")
    return render(request, "treatments/_drug_suggestions.html", {"drugs": lexicon.search(typed)})

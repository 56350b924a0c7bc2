"""The record page's reading panel (followed live with htmx) and the review screen."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.policy import Action
from documents import photo_quality
from treatments import readings, selectors
from treatments.forms import SafetyConfirmationForm
from treatments.models import UPCOMING, PrescriptionReading, PrescriptionZone, TreatmentStatus, patient_today
from treatments.safety_checks import ShownWarning, acts_for_patient

LOW_CONFIDENCE = 0.8


def _reading_for(user, public_id, action: Action) -> PrescriptionReading:
    reading = (
        PrescriptionReading.objects.select_related("record__patient", "record_file", "treatment")
        .filter(public_id=public_id)
        .first()
    )
    if reading is None or not policy.decide(user, action, reading.record.patient, record=reading.record):
        raise Http404
    return reading


@login_required
@require_GET
@never_cache
def reading_panel(request, reading_id):
    """Polled every two seconds while a worker reads; the fragment stops polling once it is done."""
    reading = _reading_for(request.user, reading_id, Action.VIEW)
    can_review = bool(policy.decide(request.user, Action.CREATE, reading.record.patient, record=reading.record))
    return render(request, "treatments/_reading_panel.html", {"reading": reading, "can_review": can_review})


@login_required
@require_POST
def reading_restart(request, reading_id):
    reading = _reading_for(request.user, reading_id, Action.CREATE)
    try:
        readings.reading_restart(actor=request.user, reading=reading)
    except (PermissionDenied, ValidationError) as error:
        raise Http404 from error
    return redirect("health_records:detail", record_id=reading.record.public_id)


class ReviewTreatmentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Treatment name"), max_length=200)
    start_date = forms.DateField(
        label=gettext_lazy("Start"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    prescriber_name = forms.CharField(label=gettext_lazy("Prescriber"), max_length=200, required=False)


class ReviewLineForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Medication"), max_length=200)
    dose = forms.DecimalField(label=gettext_lazy("Dose"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2)
    dose_unit = forms.CharField(label=gettext_lazy("Unit"), max_length=40)
    morning = forms.BooleanField(label=gettext_lazy("Morning"), required=False)
    noon = forms.BooleanField(label=gettext_lazy("Noon"), required=False)
    evening = forms.BooleanField(label=gettext_lazy("Evening"), required=False)
    bedtime = forms.BooleanField(label=gettext_lazy("Bedtime"), required=False)
    duration_days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=3650, required=False)
    renewals = forms.IntegerField(label=gettext_lazy("Renewals"), min_value=0, max_value=12, required=False)
    as_needed = forms.BooleanField(label=gettext_lazy("As needed"), required=False)
    instructions = forms.CharField(label=gettext_lazy("Instructions"), max_length=300, required=False)
    confidence = forms.FloatField(required=False, widget=forms.HiddenInput)
    source_line = forms.CharField(required=False, widget=forms.HiddenInput)
    zone = forms.ChoiceField(
        label=gettext_lazy("Zone of the prescription"),
        choices=[("", "—"), *((zone.value, capfirst(zone.label)) for zone in PrescriptionZone if zone)],
        required=False,
    )

    @property
    def is_doubtful(self) -> bool:
        confidence = self.initial.get("confidence")
        return confidence is not None and confidence < LOW_CONFIDENCE


ReviewLines = forms.formset_factory(ReviewLineForm, extra=1, can_delete=True, max_num=30, validate_max=True)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def reading_review(request, reading_id):
    """The prescription beside the proposed medications: correct, remove, add, then confirm."""
    reading = _reading_for(request.user, reading_id, Action.CREATE)
    if reading.status == PrescriptionReading.Status.CONFIRMED:
        return redirect("treatments:detail", treatment_id=reading.treatment.public_id)
    if reading.status != PrescriptionReading.Status.READY:
        raise Http404
    result = reading.result
    today = patient_today(reading.record.patient)
    proposal = readings.proposal_lines(reading)
    treatment_form = ReviewTreatmentForm(
        request.POST or None,
        initial={
            "title": reading.record.title,
            "start_date": result.get("date") or today,
            "prescriber_name": (result.get("prescriber") or {}).get("name") or "",
        },
    )
    lines = ReviewLines(request.POST or None, initial=proposal, prefix="lines")
    if request.method == "POST" and treatment_form.is_valid() and lines.is_valid():
        kept = [
            {
                name: value
                for name, value in line.cleaned_data.items()
                if name in readings.MEDICATION_VALUES or name == "duration_days"
            }
            for line in lines.forms
            if line.cleaned_data and not line.cleaned_data.get("DELETE")
        ]
        try:
            treatment = readings.reading_confirm(
                actor=request.user,
                reading=reading,
                medications=kept,
                safety_reason=request.POST.get("safety_reason", ""),
                request=request,
                **treatment_form.cleaned_data,
            )
        except ValidationError as error:
            treatment_form.add_error(None, error)
        else:
            messages.success(request, _confirmed_message(treatment, today))
            return redirect("treatments:detail", treatment_id=treatment.public_id)
    access = policy.decide(request.user, Action.CREATE, reading.record.patient, record=reading.record)
    needs_confirmation = _attach_line_warnings(reading.record.patient, lines) and not acts_for_patient(access)
    context = {
        "reading": reading,
        "record": reading.record,
        "treatment_form": treatment_form,
        "lines": lines,
        "today": today,
        "photo_problems": photo_quality.problems_in(result.get("warnings")),
        "for_professional": not acts_for_patient(access),
        # A two-zone prescription (ALD): its lines are grouped by zone, and each line's zone can be changed.
        "two_zones": any(line["zone"] for line in proposal),
        "safety_form": SafetyConfirmationForm(request.POST or None) if needs_confirmation else None,
        "same_eprescription": selectors.same_eprescription(user=request.user, reading=reading),
        **_dates_in_the_past(result, proposal, today),
    }
    return render(request, "treatments/reading_review.html", context)


def _attach_line_warnings(patient, lines) -> bool:
    """Sets `line.safety` on each line of the review (its warnings, as the lines stand: corrected when
    posted); says whether one blocks."""
    values = {}
    for index, line in enumerate(lines.forms):
        data = line.cleaned_data if line.is_bound and hasattr(line, "cleaned_data") else line.initial
        if data and data.get("name") and not data.get("DELETE"):
            values[index] = {name: value for name, value in data.items() if name in readings.MEDICATION_VALUES}
    # proposal_warnings names the medications by their rank in the list it is given.
    found = readings.proposal_warnings(patient, list(values.values()))
    rank = {index: str(position) for position, index in enumerate(values)}
    blocks = False
    for index, line in enumerate(lines.forms):
        warnings = found.get(rank[index], []) if index in rank else []
        line.safety = [ShownWarning(warning, None) for warning in warnings]
        blocks = blocks or any(warning.blocking for warning in warnings)
    return blocks


def _dates_in_the_past(result: dict, proposal: list[dict], today: datetime.date) -> dict:
    """The prescription's own date, when its treatment would start in the past, and its end when that is
    past too (the treatment is then recorded as finished)."""
    try:
        dated = datetime.date.fromisoformat(result.get("date") or "")
    except ValueError:
        return {}
    if dated >= today:
        return {}
    end = readings.planned_end(
        dated, [readings.covered_days(line["duration_days"], line["renewals"]) for line in proposal]
    )
    return {"dated": dated, "ends_in_the_past": end if end is not None and end < today else None}


def _confirmed_message(treatment, today: datetime.date) -> str:
    status = treatment.status_on(today)
    if status == TreatmentStatus.FINISHED:
        return _("The treatment is recorded as finished: its end date is past, so nothing will be reminded.")
    if status == UPCOMING:
        return _("The treatment is created; reminders start on %(date)s.") % {
            "date": date_format(treatment.start_date, "j F Y")
        }
    return _("The treatment is created; reminders start at the next moment.")

"""The record page's lab reading panel (followed live with htmx) and the review page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.policy import Action
from labs import readings, services
from labs.forms import MAX_ROWS, ReviewObservations, ReviewReportForm
from labs.models import LabReading
from labs.reading_selectors import lab_reading_for


@login_required
@require_GET
@never_cache
def reading_panel(request, reading_id):
    """Polled every two seconds while a worker reads; the fragment stops polling once it is done."""
    reading, access = lab_reading_for(user=request.user, public_id=reading_id, action=Action.VIEW)
    return render(
        request, "labs/_reading_panel.html", {"reading": reading, "can_review_lab_results": access.can(Action.CREATE)}
    )


@login_required
@require_POST
def reading_restart(request, reading_id):
    reading, _access = lab_reading_for(user=request.user, public_id=reading_id, action=Action.CREATE)
    try:
        readings.reading_restart(actor=request.user, reading=reading)
    except (PermissionDenied, ValidationError) as error:
        raise Http404 from error
    return redirect("health_records:detail", record_id=reading.record.public_id)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def reading_review(request, reading_id):
    """The report beside the proposed values: correct, remove, add, then confirm."""
    reading, _access = lab_reading_for(
        user=request.user, public_id=reading_id, action=Action.CREATE, request=request, audited=True
    )
    record = reading.record
    if reading.status == LabReading.Status.CONFIRMED:
        return redirect("health_records:detail", record_id=record.public_id)
    if reading.status != LabReading.Status.READY:
        raise Http404
    report = readings.proposal_report(reading)
    today = services.patient_today(record.patient)
    report_form = ReviewReportForm(
        request.POST or None,
        today=today,
        initial={"sampled_on": report["sampled_on"], "laboratory": report["laboratory"]},
    )
    data = request.POST or None
    adding = data is not None and "add_row" in data
    if adding:
        # "Add a row" sends the page as it stands, and gets it back with one more blank row.
        data = data.copy()
        data["rows-TOTAL_FORMS"] = str(min(_number(data.get("rows-TOTAL_FORMS")) + 1, MAX_ROWS))
    rows = ReviewObservations(data, initial=readings.proposal_values(reading), prefix="rows")
    if request.method == "POST" and not adding and report_form.is_valid() and rows.is_valid():
        try:
            created = services.lab_reading_confirm(
                actor=request.user,
                reading=reading,
                observations=[row.observation() for row in rows.kept()],
                request=request,
                **report_form.cleaned_data,
            )
        except ValidationError as error:
            _add_confirmation_error(report_form, error)
        else:
            count = len(created)
            messages.success(
                request, ngettext("%(count)s value recorded.", "%(count)s values recorded.", count) % {"count": count}
            )
            return redirect("health_records:detail", record_id=record.public_id)
    context = {
        "reading": reading,
        "record": record,
        "report": report,
        "report_form": report_form,
        "rows": rows,
        "warnings": reading.result.get("warnings") or [],
    }
    return render(request, "labs/reading_review.html", context)


def _number(text) -> int:
    try:
        return max(int(text), 0)
    except (TypeError, ValueError):
        return 0


def _add_confirmation_error(form, error: ValidationError) -> None:
    """The service's refusal, shown on the form: on its field when it names one of the form's, on top otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

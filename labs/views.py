"""The lab results pages of a patient: one row per analyte, then each analyte's values over time."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.models import AccessPath
from labs import charts, selectors


@login_required
@require_GET
@never_cache
def patient_labs(request, patient_id):
    patient, access, observations = selectors.observations_of_patient(
        user=request.user, patient_id=patient_id, request=request
    )
    summaries, others = selectors.analyte_summaries(observations)
    rows = [(summary, charts.sparkline(summary.observations)) for summary in summaries]
    context = {"patient": patient, "is_owner": access.path == AccessPath.OWNER, "rows": rows, "others": others}
    return render(request, "labs/trends.html", context)


@login_required
@require_GET
@never_cache
def analyte_trend(request, patient_id, loinc):
    patient, access, observations = selectors.observations_of_patient(
        user=request.user, patient_id=patient_id, request=request
    )
    analyte, values = selectors.analyte_observations(observations, loinc=loinc)
    context = {
        "patient": patient,
        "is_owner": access.path == AccessPath.OWNER,
        "analyte": analyte,
        "name": selectors.analyte_name(analyte),
        "chart": charts.trend_chart(analyte, values),
        # The table: every value, newest first.
        "values": values[::-1],
    }
    return render(request, "labs/analyte.html", context)

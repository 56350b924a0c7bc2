"""The pages of "Download all my data": the patient's (/me/export/) and a professional's for one patient
with a whole-file grant; each asks for an export, follows it live (htmx) and downloads its ZIP."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from health_records.downloads import stored_file_response
from portability import export_selectors, export_services


def _page(request, patient, *, back_to):
    if request.method == "POST":
        try:
            export_services.export_request(actor=request.user, patient=patient, request=request)
        except PermissionDenied as refused:
            raise Http404 from refused
        messages.success(request, _("Your export is being prepared. You will be told when it is ready."))
        return redirect(back_to)
    jobs = export_selectors.exports_of(actor=request.user, patient=patient)[:10]
    is_owner = patient.pk == request.user.pk
    context = {"patient": patient, "jobs": jobs, "is_owner": is_owner, "expires_days": settings.EXPORT_EXPIRES_DAYS}
    return render(request, "portability/export.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def my_export(request):
    """The patient's own export."""
    if not request.user.is_patient:
        raise Http404
    return _page(request, request.user, back_to="portability:export")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def patient_export(request, patient_id):
    """A professional exports the file of a patient whose grant is the whole file; 404 for anyone else."""
    patient, _access = export_selectors.patient_for_export(actor=request.user, public_id=patient_id)
    if patient.pk == request.user.pk:
        return redirect("portability:export")
    return _page(request, patient, back_to=request.path)


@login_required
@require_GET
@never_cache
def export_panel(request, export_id):
    """Polled every two seconds while the worker builds the ZIP; stops polling once it is done."""
    job = export_selectors.export_job_for(actor=request.user, public_id=export_id)
    return render(request, "portability/_export_job.html", {"job": job})


@login_required
@require_GET
def export_download(request, export_id):
    job = export_selectors.export_job_downloadable(actor=request.user, public_id=export_id)
    try:
        export_services.export_download(actor=request.user, job=job, request=request)
    except PermissionDenied as refused:
        raise Http404 from refused
    filename = f"relyfe-export-{job.created_at:%Y-%m-%d}.zip"
    return stored_file_response(job.file, filename=filename, content_type="application/zip", inline=False)

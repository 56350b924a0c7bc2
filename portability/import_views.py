"""The import pages: upload a Bundle, follow its reading (htmx), review what it proposes, confirm or cancel."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from health_records.models import RecordKind
from portability import fhir_read, import_services
from portability.import_models import ImportJob
from relyfe.web import is_htmx
from treatments.models import Moment


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("FHIR file"),
        help_text=gettext_lazy("A FHIR Bundle in JSON (.json), or the ZIP export of a portal or of ReLyfe."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.zip,application/json,application/zip"}),
    )


def _patient_only(user) -> None:
    if not user.is_patient:
        raise Http404


def job_for(user, public_id) -> ImportJob:
    """The patient's own job; anyone else's is not found (a 404, as for an unknown id)."""
    job = ImportJob.objects.filter(public_id=public_id, patient=user).first() if user.is_authenticated else None
    if job is None or not user.is_patient:
        raise Http404
    return job


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def import_upload(request):
    _patient_only(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.import_job_create(
                actor=request.user, uploaded=form.cleaned_data["file"], request=request
            )
        except fhir_read.ImportRefused as refused:
            form.add_error("file", refused)
        else:
            return redirect("portability:import_job", job_id=job.public_id)
    status = 413 if form.has_error("file", "too_large") else 400 if form.errors else 200
    limit = fhir_read.limits().max_bytes // (1024 * 1024)
    jobs = ImportJob.objects.filter(patient=request.user)[:10]
    context = {"form": form, "limit_mb": limit, "jobs": jobs}
    return render(request, "portability/import_upload.html", context, status=status)


@login_required
@require_GET
@never_cache
def import_status(request, job_id):
    """Polled every two seconds while a worker reads; once it is done the whole page is loaded again."""
    job = job_for(request.user, job_id)
    if not job.is_working and is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "portability/import_status.html", {"job": job})


class ImportReviewForm(forms.Form):
    """One field per thing the review may change, named after the proposal's keys ("r0-title", "t0m1-noon")."""

    def __init__(self, proposal: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        for record in proposal.get("records", []):
            key = record["key"]
            self.fields[f"{key}-selected"] = forms.BooleanField(
                label=gettext_lazy("Import"), required=False, initial=record.get("selected")
            )
            self.fields[f"{key}-title"] = forms.CharField(
                label=gettext_lazy("Title"), max_length=200, required=False, initial=record["title"]
            )
            self.fields[f"{key}-date"] = forms.DateField(
                label=gettext_lazy("Date"), initial=record["date"], widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{key}-kind"] = forms.ChoiceField(
                label=gettext_lazy("Kind"), choices=RecordKind.choices, initial=record["kind"]
            )
        for treatment in proposal.get("treatments", []):
            key = treatment["key"]
            self.fields[f"{key}-selected"] = forms.BooleanField(
                label=gettext_lazy("Import"), required=False, initial=treatment.get("selected")
            )
            self.fields[f"{key}-title"] = forms.CharField(
                label=gettext_lazy("Treatment name"), max_length=200, required=False, initial=treatment["title"]
            )
            for line in treatment["medications"]:
                self.fields[f"{line['key']}-name"] = forms.CharField(
                    label=gettext_lazy("Medication"), max_length=200, required=False, initial=line["name"]
                )
                for moment, label in Moment.choices:
                    self.fields[f"{line['key']}-{moment}"] = forms.BooleanField(
                        label=label, required=False, initial=line.get(moment)
                    )
        for allergy in proposal.get("allergies", []):
            self.fields[f"{allergy['key']}-selected"] = forms.BooleanField(
                label=allergy["text"], required=False, initial=allergy.get("selected")
            )

    def edits(self) -> dict[str, dict]:
        """The review's choices by proposal key; an emptied text keeps what the file said."""
        edits: dict[str, dict] = {}
        for name, value in self.cleaned_data.items():
            key, field = name.split("-", 1)
            if field in ("title", "name") and not value.strip():
                continue
            edits.setdefault(key, {})[field] = value.isoformat() if field == "date" else value
        return edits

    def sections(self) -> dict:
        """The proposal's items beside their fields, for the template."""

        def fields_of(key: str, names) -> dict:
            return {name: self[f"{key}-{name}"] for name in names}

        return {
            "records": [
                {"item": record, **fields_of(record["key"], ["selected", "title", "date", "kind"])}
                for record in self.proposal.get("records", [])
            ],
            "treatments": [
                {
                    "item": treatment,
                    **fields_of(treatment["key"], ["selected", "title"]),
                    "medications": [
                        {
                            "item": line,
                            "name": self[f"{line['key']}-name"],
                            "moments": [self[f"{line['key']}-{moment}"] for moment in Moment.values],
                        }
                        for line in treatment["medications"]
                    ],
                }
                for treatment in self.proposal.get("treatments", [])
            ],
            "allergies": [self[f"{allergy['key']}-selected"] for allergy in self.proposal.get("allergies", [])],
        }


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def import_job(request, job_id):
    """The job's page: its progress while it is read, then the review, then what was imported."""
    job = job_for(request.user, job_id)
    form = None
    if job.status == ImportJob.Status.READY:
        form = ImportReviewForm(job.proposal, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                counts = import_services.import_job_confirm(
                    actor=request.user, job=job, edits=form.edits(), request=request
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _imported_message(counts))
                return redirect("portability:import_job", job_id=job.public_id)
    elif request.method == "POST" and job.status != ImportJob.Status.CONFIRMED:
        raise Http404
    context = {"job": job, "form": form, "sections": form.sections() if form else None}
    return render(request, "portability/import_job.html", context, status=400 if form and form.errors else 200)


def _imported_message(counts: dict) -> str:
    return _(
        "Imported: %(records)s records, %(treatments)s treatments (%(medications)s medications), "
        "%(allergies)s allergies."
    ) % {key: counts.get(key, 0) for key in ("records", "treatments", "medications", "allergies")}


@login_required
@require_POST
def import_cancel(request, job_id):
    job = job_for(request.user, job_id)
    try:
        import_services.import_job_cancel(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portability:import_job", job_id=job.public_id)
    messages.success(request, _("The import is cancelled; its file is deleted."))
    return redirect("portability:import_upload")

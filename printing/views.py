"""The professional's virtual printer: setting it up on a computer, the print inbox where printed documents
wait, and filing one into a patient's file as a prescription (or dismissing it)."""

import time
from urllib.parse import quote, urlsplit

from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from health_records.downloads import stored_file_response
from printing import selectors, services
from printing.forms import AssignForm
from printing.models import JobState
from relyfe.web import is_htmx

NOT_ALLOWED = gettext_lazy("You may not add documents to this patient's file.")


def _professional(request):
    if not request.user.is_professional:
        raise Http404
    return request.user


# --- The printer ----------------------------------------------------------------------------------


def _setup(request, printer, *, user_name: str, secret: str | None) -> dict:
    """The addresses a computer is given, as this request reached ReLyfe. IPP's own port is 631, so the
    ipp(s):// URI always names the web port."""
    secure = request.is_secure() or not settings.DEBUG
    address = urlsplit(f"//{request.get_host()}")
    hostname = f"[{address.hostname}]" if ":" in (address.hostname or "") else address.hostname
    port = address.port or (443 if secure else 80)
    path = reverse("printing:ipp", args=[printer.slug])
    ipp_scheme, http_scheme = ("ipps", "https") if secure else ("ipp", "http")
    credentials = f"{quote(user_name, safe='')}:{quote(secret or 'SECRET', safe='')}"
    return {
        "ipp_url": f"{ipp_scheme}://{hostname}:{port}{path}",
        "http_url": f"{http_scheme}://{request.get_host()}{path}",
        "address": f"{hostname}:{port}",
        "queue": path.lstrip("/"),
        "cups_url": f"{ipp_scheme}://{credentials}@{hostname}:{port}{path}",
        "cups_admin_url": "http://localhost:631/admin",
        "api_url": f"{http_scheme}://{request.get_host()}{reverse('api:print-jobs')}",
        "token_url": f"{http_scheme}://{request.get_host()}{reverse('api:token')}",
    }


def _printer_page(request, printer, *, secret: str | None, rotated: bool = False):
    user_name = request.user.email or "relyfe"
    context = {
        "printer": printer,
        "secret": secret,
        "rotated": rotated,
        "user_name": user_name,
        **_setup(request, printer, user_name=user_name, secret=secret),
    }
    return render(request, "printing/printer.html", context)


@login_required
@require_GET
@never_cache
def printer(request):
    """The printer's settings and how to add it to a computer. The printer is made on the first visit, and
    its secret shown this once: only its hash is kept."""
    professional = _professional(request)
    printer, secret = services.printer_ensure(owner=professional)
    return _printer_page(request, printer, secret=secret)


@login_required
@require_POST
@never_cache
def printer_rotate_secret(request):
    professional = _professional(request)
    printer, _secret = services.printer_ensure(owner=professional)
    secret = services.printer_rotate_secret(actor=professional, printer=printer)
    # Shown in the answer to the POST, never in a URL nor stored: reloading does not show it again.
    return _printer_page(request, printer, secret=secret, rotated=True)


# --- The inbox ------------------------------------------------------------------------------------


def _polling(request) -> dict:
    """The inbox refreshes itself, but not forever: each refresh keeps the session alive, and an inbox left
    open on a shared computer must still be signed out after the idle time."""
    now = int(time.time())
    try:
        opened = min(int(request.GET.get("opened", now)), now)
    except ValueError:
        opened = now
    return {"opened": opened, "polling": now - opened < settings.SESSION_COOKIE_AGE}


@login_required
@require_GET
@never_cache
def inbox(request):
    professional = _professional(request)
    context = {"jobs": selectors.inbox_jobs(user=professional), **_polling(request)}
    if is_htmx(request):
        return render(request, "printing/_inbox_jobs.html", context)
    context["recent"] = selectors.recent_jobs(user=professional)
    return render(request, "printing/inbox.html", context)


@login_required
@require_GET
@never_cache
@csp_update({"media-src": [SELF, "blob:", "mediastream:"]})
def job_detail(request, job_id):
    professional = _professional(request)
    job = selectors.job_of(user=professional, public_id=job_id)
    in_inbox = selectors.is_in_inbox(job)
    context = {"job": job, "in_inbox": in_inbox, "receiving": job.state == JobState.PROCESSING}
    if in_inbox:
        proposed = job.proposal.patient if job.proposal else None
        initial = {"title": job.suggested_title, "patient": proposed.public_id if proposed else None}
        recent = [patient for patient in selectors.recent_patients(user=professional) if patient != proposed]
        context |= {
            "documents": list(job.documents.all()),
            "recent_patients": recent,
            "form": AssignForm(initial=initial),
            "search_hint": selectors.search_hint(user=professional, job=job),
        }
    return render(request, "printing/job.html", context)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def job_document(request, job_id, document_id):
    """The printed document, shown in the job's page (a PDF in a frame of the same origin, or an image)."""
    professional = _professional(request)
    job = selectors.job_of(user=professional, public_id=job_id)
    document = selectors.document_of(job=job, public_id=document_id)
    filename = f"{job.file_stem}{document.extension}"
    return stored_file_response(document.file, filename=filename, content_type=document.content_type, inline=True)


@login_required
@require_GET
def patient_search(request):
    """Patients to choose from on the job page (an htmx fragment): those matching `q`, or the one whose
    Heart-Code was scanned (`emergency_token`)."""
    professional = _professional(request)
    scanned = request.GET.get("emergency_token", "").strip()
    if scanned:
        patient = selectors.patient_of_heartcode(scanned)
        allowed = patient is not None and selectors.may_add_to(professional, patient)
        return render(
            request, "printing/_heartcode_patient.html", {"patient": patient if allowed else None, "known": patient}
        )
    query = request.GET.get("q", "")
    patients = selectors.patients_matching(user=professional, query=query)
    return render(request, "printing/_patient_choices.html", {"patients": patients, "query": query.strip()})


@login_required
@require_POST
def job_assign(request, job_id):
    professional = _professional(request)
    job = selectors.job_of(user=professional, public_id=job_id)
    back = redirect("printing:job", job_id=job.public_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    scanned = form.cleaned_data["emergency_token"].strip()
    if scanned:
        patient = selectors.patient_of_heartcode(scanned)
        if patient is None:
            messages.error(request, _("This code is not a ReLyfe Heart-Code, or its patient turned it off."))
            return back
    else:
        patient = selectors.patient_to_assign(user=professional, public_id=form.cleaned_data["patient"])
    if patient is None:
        messages.error(request, NOT_ALLOWED)
        return back
    try:
        record = services.print_job_assign(
            actor=professional, job=job, patient=patient, title=form.cleaned_data["title"], request=request
        )
    except PermissionDenied:
        messages.error(request, NOT_ALLOWED)
        return back
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(
        request,
        _("The document is in the file of %(name)s, as a prescription. ReLyfe is reading it.")
        % {"name": patient.full_name},
    )
    return redirect("health_records:detail", record_id=record.public_id)


@login_required
@require_POST
def job_dismiss(request, job_id):
    professional = _professional(request)
    job = selectors.job_of(user=professional, public_id=job_id)
    try:
        services.print_job_dismiss(actor=professional, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("printing:job", job_id=job.public_id)
    messages.success(request, _("The printed document is deleted."))
    return redirect("printing:inbox")

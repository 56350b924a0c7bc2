from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access import policy
from access.models import AccessPath
from access.policy import Action
from health_records import masking, panels, selectors, services
from health_records.downloads import shown_file_response
from health_records.forms import (
    AddFilesForm,
    HealthRecordForm,
    NewHealthRecordForm,
    TimelineFilterForm,
    upload_refusal_status,
)
from health_records.models import RecordKind
from relyfe.offline import KEPT_RECORDS, keep_if_recently_viewed
from relyfe.web import is_htmx


def _redirect(request, url):
    """After a form sent by htmx the browser itself must move; otherwise a plain redirect."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_GET
def my_timeline(request):
    if not request.user.is_patient:
        raise Http404
    return redirect("health_records:timeline", patient_id=request.user.public_id)


@login_required
@require_GET
@never_cache
def timeline(request, patient_id):
    patient, access = selectors.patient_get_for_user(user=request.user, public_id=patient_id)
    filters = TimelineFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.timeline_page(
        user=request.user,
        patient=patient,
        access=access,
        number=request.GET.get("page"),
        kind=criteria.get("kind", ""),
        tag=criteria.get("tag", ""),
        query=criteria.get("q", ""),
        archived=criteria.get("archived", False),
        request=request,
    )
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {
        "patient": patient,
        "is_owner": access.path == AccessPath.OWNER,
        "kept_records": KEPT_RECORDS,
        "keeps_the_file": policy.keeps_the_file(access),
        "filters": filters,
        "page": page,
        "tag_names": selectors.patient_tags(patient=patient, access=access),
        "query_without_page": query_without_page.urlencode(),
        "can_add": access.can(Action.CREATE),
        "can_enrol_face": access.can(Action.ENROL_FACE),
        "can_propose": policy.may_propose_colleagues(access),
    }
    # The features above draw their parts (unread comments, the treatments link): see health_records/panels.py.
    context |= panels.context_for(
        panels.TIMELINE, request=request, patient=patient, access=access, records=page.object_list
    )
    context["months"] = selectors.timeline_months(page.object_list, badges=context.get("record_badges"))
    # htmx asks for the whole page when it restores a URL it has no copy of (back, after a reload).
    partial = is_htmx(request)
    template = "health_records/_timeline_results.html" if partial else None
    return render(request, template or "health_records/timeline.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def record_create(request, patient_id):
    patient, _access = selectors.patient_get_for_user(user=request.user, public_id=patient_id, action=Action.CREATE)
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in RecordKind.values else {}
    form = NewHealthRecordForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        owner=request.user,
        body_sites=selectors.patient_body_sites(patient=patient, access=_access),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                record = services.health_record_create_with_site(
                    actor=request.user,
                    patient=patient,
                    kind=data["kind"],
                    title=data["title"],
                    clinical_date=data["clinical_date"],
                    description=data["description"],
                    tags=data["tags"],
                    uploads=data["uploads"],
                    kept=form.kept_uploads,
                    body_site=data["body_site"],
                    request=request,
                )
                if data["mask_faces"]:
                    masking.record_files_mask_on_upload(record.files.all())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The record is added."))
            return _redirect(request, reverse("health_records:detail", args=[record.public_id]))
    kept = _kept_for_next_send(form, owner=request.user) if form.is_bound else []
    template = "health_records/_record_form.html" if is_htmx(request) else "health_records/new.html"
    context = {"form": form, "patient": patient, "kept": kept}
    return render(request, template, context, status=upload_refusal_status(form))


def _kept_for_next_send(form, *, owner):
    """The files to list as kept on a form sent back: those kept before and the new ones that passed the
    checks (unless there were already too many, which the form's error says)."""
    # Asked again: a send that failed after the form was valid may have found some already used.
    kept, _missing = selectors.staged_uploads_of(
        owner=owner, public_ids=[staged.public_id for staged in form.kept_uploads]
    )
    if len(kept) + len(form.passed_uploads) <= settings.UPLOAD_MAX_FILES:
        kept += services.staged_uploads_keep(owner=owner, uploads=form.passed_uploads)
    return kept


@login_required
@require_GET
@never_cache
def record_detail(request, record_id):
    record, access = selectors.health_record_get_for_user(user=request.user, public_id=record_id, request=request)
    response = _detail_page(request, record, access)
    if access.path == AccessPath.OWNER:
        # The patient's own record may be kept on their phone, if they switched that on there (relyfe/offline.py).
        keep_if_recently_viewed(response)
    return response


def _detail_page(request, record, access, *, status: int = 200):
    context = {
        "record": record,
        "patient": record.patient,
        "is_owner": access.path == AccessPath.OWNER,
        "keeps_the_file": policy.keeps_the_file(access),
        "can_edit": access.can(Action.UPDATE),
        "can_archive": access.can(Action.ARCHIVE) and not record.is_archived,
        "add_files_form": AddFilesForm(),
        "kept": selectors.staged_uploads_of(
            owner=request.user, public_ids=request.session.pop(_kept_session_key(record), [])
        )[0],
    }
    if record.kind == RecordKind.PHOTO:
        context["saved_comparisons"] = selectors.saved_comparisons_of(
            patient=record.patient, access=access, photos=list(record.files.all()), of_both=False
        )
    # The features above draw their parts (the discussion, a prescription's treatments and readings), and
    # comments marks the record's comments read: see health_records/panels.py.
    context |= panels.context_for(panels.RECORD, request=request, record=record, access=access)
    response = render(request, "health_records/detail.html", context, status=status)
    if status != 200 and is_htmx(request):
        # The page replaces the form htmx sent: the refusal is shown at the top, with the kept files.
        response["HX-Retarget"], response["HX-Reswap"] = "body", "innerHTML"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def record_edit(request, record_id):
    record, _access = selectors.health_record_for_action(user=request.user, public_id=record_id, action=Action.UPDATE)
    if record.is_archived:
        raise Http404
    form = HealthRecordForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        # The form wrote into the instance while validating: the service compares with the stored row.
        record.refresh_from_db()
        services.health_record_update(
            actor=request.user, record=record, fields=fields, tags=form.cleaned_data["tags"], request=request
        )
        messages.success(request, _("The record is saved."))
        return redirect("health_records:detail", record_id=record.public_id)
    return render(request, "health_records/edit.html", {"form": form, "record": record})


@login_required
@require_POST
def record_files_add(request, record_id):
    record, access = selectors.health_record_for_action(user=request.user, public_id=record_id, action=Action.UPDATE)
    form = AddFilesForm(request.POST, request.FILES, owner=request.user)
    if form.is_valid():
        try:
            services.record_files_add(
                actor=request.user,
                record=record,
                uploads=form.cleaned_data["uploads"],
                kept=form.kept_uploads,
                request=request,
            )
            messages.success(request, _("The files are added."))
            return _redirect(request, reverse("health_records:detail", args=[record.public_id]))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    # The record page lists them once, in its form, after the redirect.
    kept = _kept_for_next_send(form, owner=request.user)
    request.session[_kept_session_key(record)] = [str(staged.public_id) for staged in kept]
    status = upload_refusal_status(form)
    if status != 200:
        # A refused file is answered as such (413 too large, 400 invalid), the page showing why.
        return _detail_page(request, record, access, status=status)
    return _redirect(request, reverse("health_records:detail", args=[record.public_id]))


def _kept_session_key(record) -> str:
    return f"kept_files:{record.public_id}"


@login_required
@require_POST
def record_archive(request, record_id):
    record, _access = selectors.health_record_for_action(user=request.user, public_id=record_id, action=Action.ARCHIVE)
    services.health_record_archive(actor=request.user, record=record, request=request)
    messages.success(request, _("The record is archived. You can restore it from the archived records."))
    return redirect("health_records:timeline", patient_id=record.patient.public_id)


@login_required
@require_POST
def record_restore(request, record_id):
    record, access = selectors.health_record_for_action(user=request.user, public_id=record_id, action=Action.RESTORE)
    if not policy.keeps_the_file(access):
        raise Http404
    services.health_record_restore(actor=request.user, record=record, request=request)
    messages.success(request, _("The record is restored."))
    return redirect("health_records:detail", record_id=record.public_id)


@login_required
@require_GET
def file_download(request, file_id):
    shown = selectors.record_file_shown_to_user(user=request.user, public_id=file_id, request=request)
    return shown_file_response(shown, inline=False)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def file_inline(request, file_id):
    """The file shown in the record page (an image, or a PDF in a frame of the same origin)."""
    shown = selectors.record_file_shown_to_user(user=request.user, public_id=file_id, request=request)
    return shown_file_response(shown, inline=True)


@login_required
@require_GET
def file_thumbnail(request, file_id):
    # Thumbnails appear on the timeline and record pages, whose own access events cover them.
    shown = selectors.record_file_shown_to_user(user=request.user, public_id=file_id, request=request, audited=False)
    return shown_file_response(shown, inline=True, thumbnail=True)


@login_required
@require_POST
def file_thumbnail_retry(request, file_id):
    """The "Try again" of a preview that failed, for those who may edit the record."""
    record_file = selectors.record_file_for_action(user=request.user, public_id=file_id, action=Action.UPDATE)
    services.record_file_thumbnail_retry(actor=request.user, record_file=record_file, request=request)
    messages.success(request, _("The preview is being made again."))
    return redirect("health_records:detail", record_id=record_file.record.public_id)

"""Photo follow-up in the web UI: the gallery by body site, the comparison of two photos and its saving, and
the previous photo of a site that the new-record form's camera lays over the view."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from access import policy
from access.models import AccessPath
from access.policy import Action
from health_records import selectors, services


@login_required
@require_GET
@never_cache
def gallery(request, patient_id):
    patient, access = selectors.patient_get_for_user(user=request.user, public_id=patient_id)
    photos = selectors.patient_photos(user=request.user, patient=patient, access=access, request=request)
    context = {
        "patient": patient,
        "is_owner": access.path == AccessPath.OWNER,
        "groups": selectors.photos_by_site(photos),
        # Apart from the series: a saved comparison is never a photo of it.
        "comparisons": selectors.saved_comparisons_of(patient=patient, access=access, photos=photos, of_both=False),
        "can_add": access.can(Action.CREATE),
    }
    return render(request, "health_records/gallery.html", context)


@login_required
@require_GET
@never_cache
def compare(request, record_id):
    comparison = selectors.comparison_for_user(
        user=request.user,
        record_id=record_id,
        left_id=request.GET.get("with"),
        right_id=request.GET.get("other"),
        request=request,
    )
    patient = comparison.record.patient
    context = {
        "comparison": comparison,
        "record": comparison.record,
        "patient": patient,
        "is_owner": comparison.access.path == AccessPath.OWNER,
        "can_save": bool(policy.decide(request.user, Action.CREATE, patient)),
    }
    return render(request, "health_records/compare.html", context)


def _alignment_posted(request) -> dict | None:
    """The landmarks the page sent (JSON in a hidden field); None when the photos were only centred."""
    text = request.POST.get("alignment", "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValidationError({"alignment": _("The alignment could not be read.")}, code="invalid_alignment") from error


@login_required
@require_POST
def compare_save(request, record_id):
    record, _access = selectors.health_record_for_action(user=request.user, public_id=record_id, action=Action.VIEW)
    left, right = selectors.photo_files_for_comparison(
        user=request.user, left_id=request.POST.get("left"), right_id=request.POST.get("right")
    )
    if left.record.patient_id != record.patient_id or right.record.patient_id != record.patient_id:
        raise Http404
    try:
        comparison = services.comparison_save(
            actor=request.user, left=left, right=right, alignment=_alignment_posted(request), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        pair = urlencode({"with": left.public_id, "other": right.public_id})
        return redirect(reverse("health_records:compare", kwargs={"record_id": record.public_id}) + f"?{pair}")
    messages.success(request, _("The comparison is saved."))
    return redirect("health_records:detail", record_id=comparison.public_id)


@login_required
@require_POST
@never_cache
def site_reference(request, patient_id):
    """The latest photo of the body site the new-record form names, for its camera to lay over the view:
    {"photo": {"url", "label"}} or {"photo": null}. A POST, so that the site (health data) is sent in the
    body and never written in a URL, a server log or the browser's history."""
    photo = selectors.latest_site_photo(
        user=request.user, patient_id=patient_id, body_site=request.POST.get("body_site", "")[:120], request=request
    )
    if photo is None:
        return JsonResponse({"photo": None})
    taken = date_format(photo.record.clinical_date, "j F Y")
    return JsonResponse(
        {
            "photo": {
                # The file as its record page shows it: access-checked, the faces blurred for those who are
                # to see them so, and each load logged.
                "url": reverse("health_records:file_inline", args=[photo.public_id]),
                "label": _("Previous photo of this site: %(date)s") % {"date": taken},
            }
        }
    )

"""Drawing over a photo in the web UI: the annotate page, its saving and the removal of the drawings."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from health_records import annotations


def _page(request, record_file, annotation, *, shapes, errors=(), status=200):
    width, height = annotations.photo_size(record_file)
    context = {
        "record_file": record_file,
        "record": record_file.record,
        "annotation": annotation,
        "shapes": shapes,
        # Sent back as they are without JavaScript: saving then keeps the drawings instead of erasing them.
        "shapes_json": json.dumps(shapes),
        "photo": {"width": width, "height": height},
        "limits": {"shapes": annotations.MAX_SHAPES, "label": annotations.MAX_LABEL_LENGTH},
        "max_reference_mm": annotations.MAX_REFERENCE_MM,
        "errors": errors,
    }
    return render(request, "health_records/annotate.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def annotate(request, file_id):
    """Whoever may edit the record draws over its photo; whoever only sees it is refused (403), and whoever
    may not see it gets 404."""
    if request.method == "GET":
        # Refused before the layer is read: the access log says only what was shown.
        if not annotations.may_edit(
            request.user, annotations.photo_for_annotation(user=request.user, public_id=file_id)
        ):
            raise PermissionDenied
        record_file, annotation, _access = annotations.annotated_photo_for_user(
            user=request.user, public_id=file_id, request=request
        )
        return _page(request, record_file, annotation, shapes=annotation.shapes if annotation else [])
    # Sent: the service asks the policy (403 for whoever may only look) and writes the access event.
    record_file = annotations.photo_for_annotation(user=request.user, public_id=file_id)
    annotation = annotations.annotation_of(record_file)
    shapes = annotation.shapes if annotation else []
    try:
        sent = json.loads(request.POST.get("shapes") or "[]")
    except ValueError:
        return _page(
            request, record_file, annotation, shapes=shapes, errors=[_("The drawings could not be read.")], status=400
        )
    try:
        annotations.annotation_save(actor=request.user, record_file=record_file, shapes=sent, request=request)
    except ValidationError as error:
        # The page comes back with what was sent, so that nothing drawn is lost; only valid-looking lists.
        kept = sent if isinstance(sent, list) else shapes
        return _page(request, record_file, annotation, shapes=kept, errors=error.messages, status=400)
    messages.success(request, _("The drawings are saved."))
    return redirect("health_records:detail", record_id=record_file.record.public_id)


@login_required
@require_POST
def annotation_delete(request, file_id):
    record_file = annotations.photo_for_annotation(user=request.user, public_id=file_id)
    annotations.annotation_delete(actor=request.user, record_file=record_file, request=request)
    messages.success(request, _("The drawings are removed. The photo is as it was taken."))
    return redirect("health_records:detail", record_id=record_file.record.public_id)

"""The comparison's "blur faces" toggle, and the blurred copy a viewer may look at to see what a share link
or a scoped professional is shown (health_records/masking.py)."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from access.policy import Action
from health_records import masking, selectors
from health_records.downloads import shown_file_response
from health_records.templatetags.masking_tags import mask_toggle_context
from relyfe.web import is_htmx


class MaskToggleForm(forms.Form):
    mask_faces = forms.BooleanField(required=False)


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def file_masked(request, file_id):
    shown = selectors.record_file_masked_for_user(user=request.user, public_id=file_id, request=request)
    return shown_file_response(shown, inline=True)


@login_required
@require_POST
def file_mask_toggle(request, file_id):
    """Turns the blurring of a photo's faces on or off, for those who do not see the whole file."""
    record_file = selectors.record_file_for_action(user=request.user, public_id=file_id, action=Action.UPDATE)
    form = MaskToggleForm(request.POST)
    form.is_valid()
    mask_faces = form.cleaned_data.get("mask_faces", False)
    record_file = masking.record_file_mask_faces_set(
        actor=request.user, record_file=record_file, mask_faces=mask_faces, request=request
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    if is_htmx(request):
        context = mask_toggle_context(user=request.user, photo=record_file, next_url=back)
        return render(request, "health_records/_mask_toggle_form.html", context)
    if mask_faces:
        messages.success(request, _("The faces of this photo will be blurred for those who do not see the whole file."))
    else:
        messages.success(request, _("This photo is shown as it was taken to everyone who may see it."))
    if back:
        return redirect(back)
    return redirect("health_records:detail", record_id=record_file.record.public_id)

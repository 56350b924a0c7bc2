from django import forms
from django.utils.translation import gettext_lazy as _

from health_records.models import HealthRecord

TITLE_MAX = HealthRecord._meta.get_field("title").max_length


class AssignForm(forms.Form):
    """The patient a printed document is for: chosen in the list (`patient`) or by scanning their
    Heart-Code (`emergency_token`: the scanned URL or its token), which wins when both are sent."""

    patient = forms.UUIDField(required=False)
    emergency_token = forms.CharField(required=False, max_length=500)
    title = forms.CharField(label=_("Title of the prescription"), required=False, max_length=TITLE_MAX)

    def clean(self):
        data = super().clean()
        if not data.get("patient") and not data.get("emergency_token", "").strip():
            raise forms.ValidationError(_("Choose the patient this document is for."), code="no_patient")
        return data

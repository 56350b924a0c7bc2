from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import selectors


class AccessLogFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=_("Person"), queryset=None, required=False, to_field_name="public_id", empty_label=_("Everyone")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    include_own = forms.BooleanField(label=_("Include my own actions"), required=False)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = selectors.actors_of_patient_events(patient=patient)


@login_required
@require_GET
@never_cache
def access_log(request):
    """ "Who accessed my data": the patient's own access log."""
    if not request.user.is_patient:
        raise Http404
    patient = request.user
    filters = AccessLogFilterForm(request.GET or None, patient=patient)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    events = selectors.access_events_for_patient(user=request.user, patient=patient, **criteria)
    page = Paginator(events, settings.ACCESS_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "audit/access_log.html",
        {"filters": filters, "page": page, "query_without_page": query_without_page.urlencode()},
    )

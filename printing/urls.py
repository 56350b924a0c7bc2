from django.urls import path

from printing import ipp_view, views

app_name = "printing"

urlpatterns = [
    # No trailing slash: the printer's URI is ipp://host/ipp/print/<id>, as computers are told it.
    path("ipp/print/<slug:printer_id>", ipp_view.ipp_endpoint, name="ipp"),
    path("ipp/print/<slug:printer_id>/jobs/<int:job_number>", ipp_view.ipp_endpoint, name="ipp_job"),
    path("printing/printer/", views.printer, name="printer"),
    path("printing/printer/secret/", views.printer_rotate_secret, name="printer_rotate"),
    path("printing/inbox/", views.inbox, name="inbox"),
    path("printing/patients/", views.patient_search, name="patient_search"),
    path("printing/jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("printing/jobs/<uuid:job_id>/documents/<uuid:document_id>/", views.job_document, name="job_document"),
    path("printing/jobs/<uuid:job_id>/assign/", views.job_assign, name="job_assign"),
    path("printing/jobs/<uuid:job_id>/dismiss/", views.job_dismiss, name="job_dismiss"),
]

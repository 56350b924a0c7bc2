from django.urls import path

from portability import export_views

urlpatterns = [
    path("me/export/", export_views.my_export, name="export"),
    path("patients/<uuid:patient_id>/export/", export_views.patient_export, name="patient_export"),
    path("exports/<uuid:export_id>/", export_views.export_panel, name="export_panel"),
    path("exports/<uuid:export_id>/download/", export_views.export_download, name="export_download"),
]

from django.urls import path

from portability import import_views

urlpatterns = [
    path("me/import/", import_views.import_upload, name="import_upload"),
    path("me/imports/<uuid:job_id>/", import_views.import_job, name="import_job"),
    path("me/imports/<uuid:job_id>/status/", import_views.import_status, name="import_status"),
    path("me/imports/<uuid:job_id>/cancel/", import_views.import_cancel, name="import_cancel"),
]

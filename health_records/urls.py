from django.urls import path

from health_records import annotation_views, masking_views, photo_views, views

app_name = "health_records"

urlpatterns = [
    path("records/", views.my_timeline, name="mine"),
    path("patients/<uuid:patient_id>/records/", views.timeline, name="timeline"),
    path("patients/<uuid:patient_id>/records/new/", views.record_create, name="create"),
    path("patients/<uuid:patient_id>/photos/", photo_views.gallery, name="gallery"),
    path("patients/<uuid:patient_id>/photos/site/", photo_views.site_reference, name="site_reference"),
    path("records/<uuid:record_id>/", views.record_detail, name="detail"),
    path("records/<uuid:record_id>/edit/", views.record_edit, name="edit"),
    path("records/<uuid:record_id>/files/", views.record_files_add, name="add_files"),
    path("records/<uuid:record_id>/archive/", views.record_archive, name="archive"),
    path("records/<uuid:record_id>/restore/", views.record_restore, name="restore"),
    path("records/<uuid:record_id>/compare/", photo_views.compare, name="compare"),
    path("records/<uuid:record_id>/compare/save/", photo_views.compare_save, name="compare_save"),
    path("files/<uuid:file_id>/", views.file_download, name="file_download"),
    path("files/<uuid:file_id>/view/", views.file_inline, name="file_inline"),
    path("files/<uuid:file_id>/thumbnail/", views.file_thumbnail, name="file_thumbnail"),
    path("files/<uuid:file_id>/thumbnail/retry/", views.file_thumbnail_retry, name="file_thumbnail_retry"),
    path("files/<uuid:file_id>/masked/", masking_views.file_masked, name="file_masked"),
    path("files/<uuid:file_id>/masked/toggle/", masking_views.file_mask_toggle, name="file_mask_toggle"),
]

# Drawings over a photo (health_records/annotation_views.py).
urlpatterns += [
    path("files/<uuid:file_id>/annotate/", annotation_views.annotate, name="annotate"),
    path("files/<uuid:file_id>/annotate/delete/", annotation_views.annotation_delete, name="annotation_delete"),
]

from django.urls import path

from labs import reading_views, views

app_name = "labs"

urlpatterns = [
    path("patients/<uuid:patient_id>/labs/", views.patient_labs, name="trends"),
    path("patients/<uuid:patient_id>/labs/<str:loinc>/", views.analyte_trend, name="analyte"),
    path("labs/readings/<uuid:reading_id>/", reading_views.reading_panel, name="reading_panel"),
    path("labs/readings/<uuid:reading_id>/review/", reading_views.reading_review, name="reading_review"),
    path("labs/readings/<uuid:reading_id>/restart/", reading_views.reading_restart, name="reading_restart"),
]

from django.urls import path

from treatments import reading_views, views

app_name = "treatments"

urlpatterns = [
    path("treatments/", views.my_treatments, name="mine"),
    path("treatments/today/", views.my_treatments, name="today"),
    path("treatments/settings/", views.reminder_settings, name="settings"),
    path("treatments/drugs/", views.drug_suggestions, name="drug_suggestions"),
    path("treatments/doses/", views.intake_answer, name="intake_answer"),
    path("treatments/caring/", views.caring, name="caring"),
    path("treatments/reminders/<uuid:dispatch_id>/<str:action>/", views.reminder_action, name="reminder_action"),
    path("patients/<uuid:patient_id>/treatments/", views.patient_treatments, name="patient"),
    path("patients/<uuid:patient_id>/treatments/new/", views.treatment_new, name="create"),
    path("treatments/<uuid:treatment_id>/", views.treatment_detail, name="detail"),
    path("treatments/<uuid:treatment_id>/status/", views.treatment_status, name="status"),
    path("treatments/<uuid:treatment_id>/medications/", views.medication_new, name="medication_new"),
    path("medications/<uuid:medication_id>/edit/", views.medication_edit, name="medication_edit"),
    path("medications/<uuid:medication_id>/stop/", views.medication_stop, name="medication_stop"),
    path("readings/<uuid:reading_id>/", reading_views.reading_panel, name="reading_panel"),
    path("readings/<uuid:reading_id>/review/", reading_views.reading_review, name="reading_review"),
    path("readings/<uuid:reading_id>/restart/", reading_views.reading_restart, name="reading_restart"),
]

from django.urls import path

from treatments import allergy_views, calendar_views, reading_views, supply_views, views

app_name = "treatments"

urlpatterns = [
    path("treatments/", views.my_treatments, name="mine"),
    path("treatments/today/", views.my_treatments, name="today"),
    path("treatments/settings/", views.reminder_settings, name="settings"),
    path("treatments/settings/calendar/", calendar_views.calendar_feed_create, name="calendar_feed_create"),
    path("treatments/settings/calendar/names/", calendar_views.calendar_feed_names, name="calendar_feed_names"),
    path("treatments/settings/calendar/revoke/", calendar_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
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
    path(
        "medications/<uuid:medication_id>/safety-confirm/",
        views.medication_safety_confirm,
        name="medication_safety_confirm",
    ),
    path("medications/<uuid:medication_id>/dispensings/", supply_views.dispensing_new, name="dispensing_new"),
    path("treatments/<uuid:treatment_id>/renewal/", supply_views.renewal_request_new, name="renewal_request_new"),
    path("renewal-requests/", supply_views.renewal_requests, name="renewal_requests"),
    path("renewal-requests/<uuid:request_id>/", supply_views.renewal_request_detail, name="renewal_request"),
    path(
        "renewal-requests/<uuid:request_id>/answer/", supply_views.renewal_request_answer, name="renewal_request_answer"
    ),
    path("readings/<uuid:reading_id>/", reading_views.reading_panel, name="reading_panel"),
    path("readings/<uuid:reading_id>/review/", reading_views.reading_review, name="reading_review"),
    path("readings/<uuid:reading_id>/restart/", reading_views.reading_restart, name="reading_restart"),
    path("patients/<uuid:patient_id>/allergies/", allergy_views.patient_allergies, name="allergies"),
    path("allergies/<uuid:allergy_id>/remove/", allergy_views.allergy_remove, name="allergy_remove"),
]

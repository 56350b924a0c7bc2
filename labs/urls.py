from django.urls import path

from labs import views

app_name = "labs"

urlpatterns = [
    path("patients/<uuid:patient_id>/labs/", views.patient_labs, name="trends"),
    path("patients/<uuid:patient_id>/labs/<str:loinc>/", views.analyte_trend, name="analyte"),
]

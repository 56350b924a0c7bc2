from django.urls import path

from faces import views

app_name = "faces"

urlpatterns = [
    path("faces/", views.mine, name="mine"),
    path("faces/withdraw/", views.withdraw, name="withdraw"),
    path("faces/withdraw/undo/", views.withdraw_undo, name="withdraw_undo"),
    path("faces/identify/", views.identify, name="identify"),
    path("faces/searches/<uuid:search_id>/", views.search_result, name="search"),
    path("faces/searches/<uuid:search_id>/<int:rank>/request/", views.request_access, name="request_access"),
    path("faces/searches/<uuid:search_id>/<int:rank>/confirm/", views.confirm_candidate, name="confirm_candidate"),
    path("faces/confirm-with/", views.confirm_with, name="confirm_with"),
    path("faces/new-patient/", views.quick_account, name="quick_account"),
    path("faces/demo/", views.demo, name="demo"),
    path("patients/<uuid:patient_id>/face/", views.enrol_patient, name="enrol_patient"),
]

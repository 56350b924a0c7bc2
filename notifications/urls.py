from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<uuid:notification_id>/open/", views.notification_open, name="open"),
    path("read/", views.notifications_mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
]

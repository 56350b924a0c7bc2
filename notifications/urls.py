from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<uuid:notification_id>/open/", views.notification_open, name="open"),
    path("<uuid:notification_id>/retry/", views.notification_delivery_retry, name="delivery_retry"),
    path("read/", views.notifications_mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    # Also served at the site's root (relyfe/urls.py), where the pages register it.
    path("service-worker.js", views.service_worker, name="service_worker"),
]

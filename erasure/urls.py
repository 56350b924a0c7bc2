from django.urls import path

from erasure import views

app_name = "erasure"

urlpatterns = [
    path("me/delete/", views.delete_account, name="delete"),
    path("me/delete/pending/", views.pending, name="pending"),
    path("me/delete/cancel/", views.cancel, name="cancel"),
]

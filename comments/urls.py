from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("records/<uuid:record_id>/comments/", views.thread, name="thread"),
    path("records/<uuid:record_id>/comments/new/", views.create, name="create"),
    path("records/<uuid:record_id>/comments/mentions/", views.mention_suggestions, name="mention_suggestions"),
    path("comments/<uuid:comment_id>/edit/", views.edit, name="edit"),
    path("comments/<uuid:comment_id>/delete/", views.delete, name="delete"),
    # Share-link holders' "link_thread" and "link_create" are served by sharing (sharing/urls.py,
    # link_comment_urlpatterns); relyfe/urls.py puts them in this namespace.
]

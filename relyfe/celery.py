import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relyfe.settings")

app = Celery("relyfe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["relyfe"])
app.autodiscover_tasks()

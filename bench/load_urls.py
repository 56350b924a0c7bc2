"""URLs of the server that bench/load.py starts: a minimal Django view, the yardstick, next to the site."""

from django.http import HttpResponse
from django.urls import include, path


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/minimal/", minimal), path("", include("relyfe.urls"))]

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def ping(request: HttpRequest) -> HttpResponse:
    """The trivial Django view: the cost of a request through the same stack, without the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ping/", ping), *project_urlpatterns]

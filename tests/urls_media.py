"""The site's URLs plus uploaded files, for browser tests that show photos (the live server serves
static files but not MEDIA_ROOT, and config/urls.py serves media only with DEBUG on)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.static import serve

from config.urls import urlpatterns as site_urlpatterns


def media(request: HttpRequest, path: str) -> HttpResponse:
    return serve(request, path, document_root=settings.MEDIA_ROOT)  # read per request: tests move it


urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.*)$", media)]

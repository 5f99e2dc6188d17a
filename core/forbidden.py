"""The site's answer to a form that failed the CSRF check (CSRF_FAILURE_VIEW).

Django's own view renders 403_csrf.html with the request's context processors only: no `reason`,
no DEBUG. This one renders the site's page (templates/403_csrf.html) with the way back to the page
the form was sent from, and the reason only with DEBUG on (a visitor has no use for it, and in
production it would tell an attacker which check stopped them).

Nothing was done: the check runs before any view, so the visitor may simply send the form again
from a freshly loaded page. Rendering the page asks for a token, so a missing CSRF cookie is set
again on this answer.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.http import referer_path


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {"back": referer_path(request), "reason": reason if settings.DEBUG else ""}
    return render(request, "403_csrf.html", context, status=403)

"""Access rules for the site's own pages (not the admin's)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.http import referer_path

View = Callable[..., HttpResponse]


def _return_path(request: HttpRequest) -> str:
    """Where sign-in should come back to: this page for a GET; for a form sent signed out (the
    session ran out meanwhile) the page it was sent from, since the form's address answers only POST."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return referer_path(request)


def staff_required(view: View) -> View:
    """A staff-only page of the site. Signed out: the site's sign-in (LOGIN_URL) with `next`, not
    the admin's (Django's staff_member_required sends everyone there, a signed-in visitor too).
    Signed in without staff status: PermissionDenied, the site's 403 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            back = _return_path(request)
            return redirect_to_login(back) if back else redirect(settings.LOGIN_URL)
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped

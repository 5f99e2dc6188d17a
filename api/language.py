"""The language of API messages.

An API client sets Accept-Language on purpose, so here it counts before the
site's cookie: `Accept-Language: uz` gives Uzbek messages. Without it: the
site's cookie, else a signed-in user's stored language, else Russian. (The
pages put the cookie first: core.middleware.SiteLanguageMiddleware.)
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from rest_framework.request import Request

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def requested_language(header: str) -> str | None:
    """The first supported language in an Accept-Language header ("uz-Latn-UZ,ru;q=0.8" → "uz")."""
    for part in header.split(",")[:10]:
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in SUPPORTED:
            return primary
    return None


class ApiLanguageMixin:
    """For every API view: activate the language chosen as described above."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication and throttling, so their errors are in this language too.
        language = requested_language(request.headers.get("Accept-Language", ""))
        if language is not None:
            _activate(request, language)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if language is None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            stored = getattr(request.user, "language", "")
            if stored in SUPPORTED:
                _activate(request, stored)


def _activate(request: Request, language: str) -> None:
    translation.activate(language)
    request._request.LANGUAGE_CODE = language  # the Content-Language header

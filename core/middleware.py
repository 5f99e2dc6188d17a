from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class SiteLanguageMiddleware:
    """Russian unless the visitor picked another language with the switcher.

    Unlike LocaleMiddleware it ignores the browser's Accept-Language: most
    visitors' browsers say English while they read Russian or Uzbek.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        # A later middleware may switch to the signed-in user's stored language.
        response.headers.setdefault("Content-Language", getattr(request, "LANGUAGE_CODE", language))
        translation.deactivate()
        return response

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as MessageMiddlewareBase
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty


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


class MessageMiddleware(MessageMiddlewareBase):
    """django.contrib.messages' middleware with the storage made when a request first uses it.

    Django's builds the cookie and session storages on every request (about 25 µs), most of
    which never show or add a message. A storage nobody touched has nothing to save: its
    `update()` does nothing then, so skipping it changes no answer.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)

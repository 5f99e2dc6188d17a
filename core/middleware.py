from collections.abc import Callable

from django.contrib.messages.middleware import MessageMiddleware as MessageMiddlewareBase
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty


class SiteLanguageMiddleware:
    """The visitor's language: the switcher's cookie, else the browser's Accept-Language, else Russian.

    Like LocaleMiddleware without URL prefixes. The header is read with its q-values and
    regional variants ("uz-UZ", "uz-Latn-UZ,ru;q=0.8" → uz, "en-GB" → en); a header naming
    none of LANGUAGES falls back to Russian. The cookie (set by the switcher) always wins over
    the header, and a signed-in user's stored language wins over the header on a device
    without the cookie (accounts.middleware.UserLanguageMiddleware, placed later).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        # A later middleware may switch to the signed-in user's stored language.
        response.headers.setdefault("Content-Language", getattr(request, "LANGUAGE_CODE", language))
        # Caches must keep one copy per language asked for.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
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

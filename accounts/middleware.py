from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.services import user_language_set


class UserLanguageMiddleware:
    """Keeps a signed-in user's language in their account.

    Placed after AuthenticationMiddleware (and after core's SiteLanguageMiddleware,
    which reads the switcher's cookie): a language picked with the switcher is stored
    for e-mail, SMS and Telegram messages, and on a device without the cookie the
    site opens in the user's stored language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a session signs a visitor in here (the API's tokens are read by its views): without
        # the session cookie the user is anonymous, and loading it would only cost time.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if chosen in self.supported:
                if chosen != user.language:
                    user_language_set(user=user, language=chosen)
            elif user.language in self.supported and user.language != request.LANGUAGE_CODE:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        return self.get_response(request)

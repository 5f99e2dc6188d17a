"""The cheaper middleware (issue 12): each answers exactly as the one it replaces, and does
its work only on the requests that need it (bench/serving.py measures the cost)."""

import pytest
from csp.constants import HEADER
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from django.utils.functional import empty

from accounts.middleware import UserLanguageMiddleware
from core.csp import CSPMiddleware
from core.middleware import MessageMiddleware


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_the_csp_header_is_django_csps_own_and_follows_the_settings():
    request = RequestFactory().get("/")
    assert CSPMiddleware(_ok)(request)[HEADER] == build_policy()
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert CSPMiddleware(_ok)(RequestFactory().get("/"))[HEADER] == "default-src 'none'"
    assert CSPMiddleware(_ok)(RequestFactory().get("/"))[HEADER] == build_policy()


def test_a_view_that_changes_the_policy_or_uses_a_nonce_gets_its_own_header():
    updated = CSPMiddleware(csp_update({"img-src": ["https://tiles.example"]})(_ok))(RequestFactory().get("/"))
    assert "https://tiles.example" in updated[HEADER] and updated[HEADER] != build_policy()
    assert HEADER not in CSPMiddleware(csp_exempt()(_ok))(RequestFactory().get("/"))

    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    ours = CSPMiddleware(with_nonce)(RequestFactory().get("/"))
    theirs = BaseCSPMiddleware(with_nonce)(RequestFactory().get("/"))
    assert ours[HEADER] == theirs[HEADER]


def test_a_nonce_asked_for_after_the_header_was_written_is_an_error_as_in_django_csp():
    request = RequestFactory().get("/")
    CSPMiddleware(_ok)(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)  # type: ignore[attr-defined]


def _with_session(view):
    return SessionMiddleware(MessageMiddleware(view))


@pytest.mark.django_db
def test_messages_are_stored_when_added_and_nothing_is_built_when_untouched():
    seen = {}

    def untouched(request: HttpRequest) -> HttpResponse:
        seen["request"] = request
        return HttpResponse("ok")

    response = _with_session(untouched)(RequestFactory().get("/"))
    assert seen["request"]._messages._wrapped is empty and "messages" not in response.cookies

    def adds(request: HttpRequest) -> HttpResponse:
        messages.success(request, "Сохранено")
        return HttpResponse("ok")

    response = _with_session(adds)(RequestFactory().get("/"))
    assert "messages" in response.cookies

    def reads(request: HttpRequest) -> HttpResponse:
        seen["shown"] = [str(message) for message in messages.get_messages(request)]
        return HttpResponse("ok")

    following = RequestFactory().get("/")
    following.COOKIES["messages"] = response.cookies["messages"].value
    _with_session(reads)(following)
    assert seen["shown"] == ["Сохранено"]


def test_a_visitor_without_a_session_cookie_is_not_looked_up():
    seen = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["user"] = request.user
        return HttpResponse("ok")

    SessionMiddleware(AuthenticationMiddleware(UserLanguageMiddleware(view)))(RequestFactory().get("/"))
    assert seen["user"]._wrapped is empty  # the lazy user was never evaluated

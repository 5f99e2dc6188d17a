"""EskizSmsBackend against a local fake of Eskiz's HTTP API."""

import pytest
from django.core.cache import cache

from core.sms import EskizSmsBackend, SmsError, SmsMessage, sms_send
from tests.fakehttp import fake_http_server


@pytest.fixture
def eskiz(settings):
    settings.SMS_BACKEND = "core.sms.EskizSmsBackend"
    settings.ESKIZ_EMAIL = "ops@kvartirabar.uz"
    settings.ESKIZ_PASSWORD = "eskiz-pass"
    settings.ESKIZ_FROM = "4546"
    settings.ESKIZ_TIMEOUT = 5
    cache.delete(EskizSmsBackend.token_cache_key)
    yield settings
    cache.delete(EskizSmsBackend.token_cache_key)


def eskiz_handler(state: dict):
    def handle(request):
        if request.path == "/api/auth/login":
            form = request.form()
            if form == {"email": "ops@kvartirabar.uz", "password": "eskiz-pass"}:
                state["logins"] = state.get("logins", 0) + 1
                return 200, {"message": "token_generated", "data": {"token": f"tok-{state['logins']}"}}
            return 401, {"message": "invalid credentials"}
        if request.path == "/api/message/sms/send":
            if request.headers.get("Authorization") != f"Bearer {state.get('valid', 'tok-1')}":
                return 401, {"message": "Expired"}
            return state.get("send_status", 200), {"id": "abc", "status": "waiting"}
        return 404, {}

    return handle


def test_login_then_send_with_the_cached_token(eskiz):
    state: dict = {}
    with fake_http_server(eskiz_handler(state)) as server:
        eskiz.ESKIZ_BASE_URL = server.url + "/api"
        sms_send(phone="+998901234567", text="Код: 1234")
        sms_send(phone="+998901234568", text="Код: 5678")
    paths = [r.path for r in server.requests]
    assert paths == ["/api/auth/login", "/api/message/sms/send", "/api/message/sms/send"]
    sent = server.requests[1].form()
    assert sent == {"mobile_phone": "998901234567", "message": "Код: 1234", "from": "4546"}
    assert server.requests[2].headers["Authorization"] == "Bearer tok-1"


def test_expired_token_logs_in_again_once(eskiz):
    state: dict = {"valid": "tok-2"}
    cache.set(EskizSmsBackend.token_cache_key, "old-token")
    with fake_http_server(eskiz_handler(state)) as server:
        eskiz.ESKIZ_BASE_URL = server.url + "/api"
        state["logins"] = 1
        sms_send(phone="+998901234567", text="Привет")
    assert [r.path for r in server.requests] == ["/api/message/sms/send", "/api/auth/login", "/api/message/sms/send"]
    assert cache.get(EskizSmsBackend.token_cache_key) == "tok-2"


def test_bad_credentials_raise(eskiz):
    eskiz.ESKIZ_PASSWORD = "wrong"
    with fake_http_server(eskiz_handler({})) as server:
        eskiz.ESKIZ_BASE_URL = server.url + "/api"
        with pytest.raises(SmsError, match="login failed"):
            EskizSmsBackend().send(SmsMessage(phone="+998901234567", text="x"))


def test_refused_message_raises(eskiz):
    with fake_http_server(eskiz_handler({"send_status": 400})) as server:
        eskiz.ESKIZ_BASE_URL = server.url + "/api"
        with pytest.raises(SmsError, match="refused"):
            sms_send(phone="+998901234567", text="x")


def test_login_without_a_token_raises(eskiz):
    with fake_http_server(lambda request: (200, {"data": {}})) as server:
        eskiz.ESKIZ_BASE_URL = server.url + "/api"
        with pytest.raises(SmsError, match="without a token"):
            sms_send(phone="+998901234567", text="x")


def test_unreachable_eskiz_raises(eskiz):
    with fake_http_server(lambda request: (200, {})) as server:
        url = server.url
    eskiz.ESKIZ_BASE_URL = url + "/api"  # the server is gone
    with pytest.raises(SmsError, match="unreachable"):
        sms_send(phone="+998901234567", text="x")

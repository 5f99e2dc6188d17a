"""Production security: CSP without inline scripts, the real client address behind
nginx, rate limits on bids and payment initiation, the sign-in lockout (password and SMS)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from auctions.models import Auction, Bid
from core.clientip import RealClientAddressMiddleware, client_address
from core.sms import sms_outbox
from fees.models import AuctionPayment
from fees.services import fee_initiate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RATE_LIMITED = "Слишком много запросов. Подождите минуту и попробуйте снова."
LOCKED_OUT = "Слишком много неудачных попыток входа с этим номером"


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()  # rate-limit counters live in the cache (Redis when configured)
    sms_outbox.clear()
    yield
    cache.clear()
    sms_outbox.clear()


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _assert_csp_clean(response) -> None:
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html), INLINE_HANDLER.findall(html)


def test_pages_send_a_csp_and_carry_no_inline_script(client, seller, buyer, paid_auction, make_auction, make_listing):
    unpaid = make_auction(make_listing(seller, title="Вторая квартира"))
    payment = fee_initiate(auction_id=unpaid.pk, user=seller)
    # Anonymous pages.
    for url in ("/", "/listings/?sort=price", paid_auction.listing.get_absolute_url(), "/login/", "/login/phone/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_csp_clean(response)
    # The live auction page: its socket is allowed by connect-src.
    response = client.get(paid_auction.get_absolute_url())
    _assert_csp_clean(response)
    connect = _csp(response)["connect-src"]
    assert "'self'" in connect and any(src.startswith("ws://localhost") for src in connect)
    assert 'data-auction-live="/ws/auctions/' in response.content.decode()
    # A buyer's bid form with the buy-now confirmation (data-confirm, handled by site.js).
    client.force_login(buyer)
    page = client.get(paid_auction.get_absolute_url())
    _assert_csp_clean(page)
    assert '<script src="/static/js/site.js" defer></script>' in page.content.decode()
    # The seller's pages: the dashboard, the unpaid auction with its cancel confirmation.
    client.force_login(seller)
    for url in (reverse("dashboard:dashboard"), payment.auction.get_absolute_url()):
        _assert_csp_clean(client.get(url))
    # (The question says what becomes of the fee: see tests/test_auction_page_keeps_up.py.)
    assert 'data-confirm="Отменить аукцион? ' in client.get(payment.auction.get_absolute_url()).content.decode()


def test_security_headers_and_cookies(client, settings):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert settings.SESSION_COOKIE_HTTPONLY and settings.LANGUAGE_COOKIE_HTTPONLY


# --- The real client address ------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx on this machine
        ("127.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client's forged entry is ignored
        ("127.0.0.1", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # through the load balancer (trusted too)
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # not a proxy: the header is a lie
        ("127.0.0.1", "garbage", "127.0.0.1"),
        ("127.0.0.1", "[2001:db8::1]:443", "2001:db8::1"),
        ("127.0.0.1", "203.0.113.7:51234", "203.0.113.7"),
    ],
)
def test_client_address_trusts_only_the_proxies(remote, forwarded, expected):
    trusted = ["127.0.0.1", "::1", "10.0.0.0/8"]
    assert client_address(remote_addr=remote, forwarded_for=forwarded, trusted_proxies=trusted) == expected


def test_middleware_rewrites_remote_addr_only_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    seen = []
    middleware = RealClientAddressMiddleware(lambda request: seen.append(request.META["REMOTE_ADDR"]))
    factory = RequestFactory()
    middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    middleware(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    settings.TRUSTED_PROXIES = []
    middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    assert seen == ["203.0.113.7", "198.51.100.9", "127.0.0.1"]


# --- Rate limits on bids and payment initiation ------------------------------------


def _bid(client, auction: Auction, amount: int, **extra):
    return client.post(reverse("auctions:bid", args=[auction.pk]), {"amount": str(amount)}, **extra)


def test_a_malformed_rate_limit_fails_the_system_check(settings):
    from core.ratelimit import rate_limits_check

    assert rate_limits_check() == []
    settings.RATE_LIMITS = {"bid": {"user": "30 per minute", "ip": "120/60"}}
    [error] = rate_limits_check()
    assert error.id == "core.E001" and "30 per minute" in error.msg


def test_bids_are_rate_limited_per_user(client, settings, buyer, paid_auction):
    settings.RATE_LIMITS = {"bid": {"user": "3/60", "ip": "0"}}
    client.force_login(buyer)
    step = int(paid_auction.bid_step)
    price = int(paid_auction.starting_price)
    answers = [_bid(client, paid_auction, price + i * step, HTTP_ACCEPT="application/json") for i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json() == {"ok": False, "code": "rate_limited", "message": RATE_LIMITED}
    assert Bid.objects.filter(auction=paid_auction).count() == 3
    # The HTML form: back to the auction with the message, no bid placed.
    response = _bid(client, paid_auction, price + 10 * step, follow=True)
    assert RATE_LIMITED in response.content.decode()
    assert Bid.objects.filter(auction=paid_auction).count() == 3


def test_bids_are_rate_limited_per_client_address(client, settings, make_user, paid_auction):
    settings.RATE_LIMITS = {"bid": {"user": "100/60", "ip": "2/60"}}
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    step, price = int(paid_auction.bid_step), int(paid_auction.starting_price)
    same_address = {"HTTP_X_FORWARDED_FOR": "203.0.113.7", "HTTP_ACCEPT": "application/json"}
    statuses = []
    for i in range(3):  # three accounts, one address: new accounts do not reset the address's counter
        client.force_login(make_user())
        statuses.append(_bid(client, paid_auction, price + i * step, **same_address).status_code)
    assert statuses == [200, 200, 429]
    # Another visitor behind the same nginx has their own counter...
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.8", "HTTP_ACCEPT": "application/json"}
    assert _bid(client, paid_auction, price + 5 * step, **other).status_code == 200
    # ...but a forged X-Forwarded-For from a client that is not a proxy changes nothing.
    forged = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "198.51.100.1", "HTTP_ACCEPT": "application/json"}
    assert _bid(client, paid_auction, price + 6 * step, **forged).status_code == 429
    assert Bid.objects.filter(auction=paid_auction).count() == 3


def test_buy_now_counts_as_a_bid(client, settings, buyer, paid_auction):
    settings.RATE_LIMITS = {"bid": {"user": "1/60", "ip": "0"}}
    client.force_login(buyer)
    _bid(client, paid_auction, int(paid_auction.starting_price))
    response = client.post(reverse("auctions:buy-now", args=[paid_auction.pk]), follow=True)
    assert RATE_LIMITED in response.content.decode()
    paid_auction.refresh_from_db()
    assert paid_auction.winner_id is None


def test_payment_initiation_is_rate_limited(client, settings, seller, listing, make_auction, make_listing):
    settings.RATE_LIMITS = {"payment_initiate": {"user": "1/600", "ip": "0"}}
    first = make_auction(listing)
    second = make_auction(make_listing(seller, title="Вторая квартира"))
    client.force_login(seller)
    client.post(reverse("fees_click:payment-initiate", args=[first.pk]))
    assert AuctionPayment.objects.filter(auction=first).count() == 1
    response = client.post(reverse("fees_click:payment-initiate", args=[second.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [RATE_LIMITED]
    assert not AuctionPayment.objects.filter(auction=second).exists()
    # The Click invoice form initiates a payment too: same limit.
    response = client.post(reverse("fees_click:payment-invoice", args=[second.pk]), {"phone": "90 111 22 33"})
    assert RATE_LIMITED in [str(m) for m in get_messages(response.wsgi_request)]
    assert not AuctionPayment.objects.filter(auction=second).exists()


# --- Sign-in lockout (django-axes) ---------------------------------------------------


def _sign_in(client, phone: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        "/login/", {"username": phone, "password": password}, HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="127.0.0.1"
    )


def test_password_sign_in_locks_out_after_failures(client, settings, make_user):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    user = make_user(phone="+998901112244")
    assert _sign_in(client, "90 111 22 44", "wrong-1").status_code == 200  # the form again, with an error
    assert _sign_in(client, "+998901112244", "wrong-2").status_code == 200
    locked = _sign_in(client, "+998 90 111 22 44", "wrong-3")  # any spelling of the number counts
    assert locked.status_code == 429 and LOCKED_OUT in locked.content.decode()
    # Now even the right password is refused, and nobody is signed in.
    right = _sign_in(client, "+998901112244", PASSWORD)
    assert right.status_code == 429 and LOCKED_OUT in right.content.decode()
    assert "_auth_user_id" not in client.session
    # The same number from another address (behind the same nginx) still signs in.
    other = _sign_in(client, "+998901112244", PASSWORD, address="203.0.113.8")
    assert other.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_sign_in_resets_the_count(client, settings, make_user):
    settings.AXES_FAILURE_LIMIT = 3
    make_user(phone="+998901112255")
    for _ in range(2):
        _sign_in(client, "+998901112255", "wrong")
    assert _sign_in(client, "+998901112255", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _sign_in(client, "+998901112255", "wrong").status_code == 200
    assert _sign_in(client, "+998901112255", PASSWORD).status_code == 302


def test_a_number_has_its_own_budget_whatever_the_address(client, settings, make_user):
    """40 wrong passwords for one number from 8 addresses, then the right one from a 9th: refused."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 20
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone="+998901112277")
    answers = [
        _sign_in(client, "+998901112277", f"wrong-{n}", address=f"203.0.113.{10 + n // 4}").status_code
        for n in range(40)
    ]
    assert answers[:20] == [200] * 20 and answers[20:] == [429] * 20  # no address reached its own limit of 5
    right = _sign_in(client, "+998901112277", PASSWORD, address="198.51.100.9")
    assert right.status_code == 429 and LOCKED_OUT in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Another number from those addresses is not affected.
    make_user(phone="+998901112278")
    assert _sign_in(client, "+998901112278", PASSWORD, address="203.0.113.10").status_code == 302


def test_ipv6_addresses_of_one_64_share_a_count(client, settings, make_user):
    settings.AXES_FAILURE_LIMIT = 3
    settings.SIGNIN_NUMBER_FAILURE_LIMIT = 0
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user(phone="+998901112279")
    for n in range(3):
        _sign_in(client, "+998901112279", "wrong", address=f"2001:db8:1:2::{n + 1:x}")
    locked = _sign_in(client, "+998901112279", PASSWORD, address="2001:db8:1:2:ffff::9")
    assert locked.status_code == 429 and LOCKED_OUT in locked.content.decode()
    # Another /64 has its own count.
    assert _sign_in(client, "+998901112279", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_the_apis_lockout_is_in_the_apis_error_format(settings, make_user):
    from rest_framework.test import APIClient

    settings.AXES_FAILURE_LIMIT = 2
    make_user(phone="+998901112280")
    api = APIClient(REMOTE_ADDR="203.0.113.50")
    for _ in range(2):
        api.post("/api/v1/auth/token/", {"phone": "+998901112280", "password": "wrong"}, format="json")
    response = api.post("/api/v1/auth/token/", {"phone": "+998901112280", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "locked_out" and response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 0


@pytest.fixture
def sms_views(django_capture_on_commit_callbacks, monkeypatch):
    """The SMS is sent after commit; the test's transaction never commits, so run the callbacks."""
    from accounts import services

    def request_and_send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.phone_code_request(**kwargs)

    monkeypatch.setattr("accounts.views.phone_code_request", request_and_send)


def _last_code() -> str:
    match = re.search(r"\b(\d{6})\b", sms_outbox[-1].text)
    assert match
    return match.group(1)


def test_sms_code_sign_in_locks_out_after_wrong_codes(client, settings, make_user, sms_views):
    settings.AXES_FAILURE_LIMIT = 3
    make_user(phone="+998901112266")
    assert client.post("/login/phone/", {"phone": "90 111 22 66"}).status_code == 302
    code = _last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        response = client.post("/login/phone/code/", {"code": wrong})
        assert response.status_code == 200 and "Неверный код" in response.content.decode()
    locked = client.post("/login/phone/code/", {"code": wrong})
    assert locked.status_code == 429 and LOCKED_OUT in locked.content.decode()
    # The right code is refused now, and no new code is sent for the number.
    right = client.post("/login/phone/code/", {"code": code})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    sent = len(sms_outbox)
    again = client.post("/login/phone/", {"phone": "+998901112266"})
    assert again.status_code == 429 and len(sms_outbox) == sent


def test_password_failures_lock_the_sms_sign_in_too(client, settings, make_user, sms_views):
    settings.AXES_FAILURE_LIMIT = 2
    make_user(phone="+998901112277")
    for _ in range(2):
        client.post("/login/", {"username": "+998901112277", "password": "wrong"})
    response = client.post("/login/phone/", {"phone": "+998901112277"})
    assert response.status_code == 429 and not sms_outbox
    # Another number is not affected.
    assert client.post("/login/phone/", {"phone": "+998901112288"}).status_code == 302
    assert User.objects.filter(phone="+998901112277").exists()


def test_admin_pages_carry_no_inline_script(client, make_user, paid_auction):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        reverse("admin:index"),
        reverse("admin:auctions_auction_changelist"),
        reverse("admin:auctions_auction_change", args=[paid_auction.pk]),
        reverse("admin:axes_accessattempt_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_csp_clean(response)


def test_production_defaults_turn_every_protection_on():
    """The suite runs with rate limits off (tests/testenv.py); production must not."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "kvartirabar.uz",
        "DATABASE_URL": "sqlite:///:memory:",
        "CLICK_SERVICE_ID": "12345",
        "CLICK_MERCHANT_ID": "23456",
        "CLICK_SECRET_KEY": "real-secret-from-cabinet",
        "SITE_URL": "https://kvartirabar.uz",
        "ESKIZ_EMAIL": "ops@kvartirabar.uz",
        "ESKIZ_PASSWORD": "eskiz-password",
    }
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({'rl': s.RATE_LIMITS, "
        "'axes': [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME], 'proxies': s.TRUSTED_PROXIES, "
        "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES'], 'cookies': [s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE]}))"
    )
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["rl"] == {
        "bid": {"user": "30/60", "ip": "300/60"},
        "payment_initiate": {"user": "10/600", "ip": "30/600"},
        "signup": {"ip": "20/3600"},
        "password_change": {"user": "10/3600", "ip": "30/3600"},
    }
    assert values["axes"] == [5, 0.25]
    assert values["proxies"] == ["127.0.0.1", "::1"]
    assert values["csp"]["script-src"] == ["'self'"]
    assert values["csp"]["connect-src"] == ["'self'", "wss://kvartirabar.uz"]
    assert values["cookies"] == [True, True, True]

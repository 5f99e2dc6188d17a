"""Sign-up proves the phone (issue 13, finding 3).

An account exists and is active only once its number is confirmed by an SMS code; an account that
never proved its number (the old password-only sign-up) may not publish, bid or pay, and it cannot
capture the real owner's later SMS sign-in.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from core.sms import sms_outbox
from fees.models import AuctionPayment
from listings.models import Listing
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NUMBER = "+998905550011"
SIGNUP = {"phone": "90 555 00 11", "first_name": "Азиз", "password1": "Uy-sotaman-2026", "password2": "Uy-sotaman-2026"}


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    sms_outbox.clear()
    yield
    cache.clear()
    sms_outbox.clear()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """client.post, running the after-commit callbacks (the SMS): the test's transaction never commits."""

    def _post(url, data, *, as_client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (as_client or client).post(url, data)

    return _post


def last_code(phone: str = NUMBER) -> str:
    message = [m for m in sms_outbox if m.phone == phone][-1]
    match = re.search(r"\b(\d{6})\b", message.text)
    assert match
    return match.group(1)


def password_works(phone: str, password: str) -> bool:
    from django.test import Client

    return Client().post("/login/", {"username": phone, "password": password}).status_code == 302


def test_sign_up_makes_no_account_until_the_code_comes_back(client, post):
    response = post("/signup/", SIGNUP)
    assert response.status_code == 302 and response.headers["Location"] == "/login/phone/code/"
    assert sms_outbox[-1].phone == NUMBER
    # Nothing to sign in to, no token to get, no dashboard.
    assert not User.objects.filter(phone=NUMBER).exists()
    assert not password_works(NUMBER, SIGNUP["password1"])
    token = APIClient().post("/api/v1/auth/token/", {"phone": NUMBER, "password": SIGNUP["password1"]}, format="json")
    assert token.status_code == 400
    assert client.get("/dashboard/").status_code == 302

    page = client.get("/login/phone/code/").content.decode()
    assert "Подтвердить и создать аккаунт" in page
    wrong = client.post("/login/phone/code/", {"code": "000000" if last_code() != "000000" else "111111"})
    assert wrong.status_code == 200 and not User.objects.filter(phone=NUMBER).exists()

    response = client.post("/login/phone/code/", {"code": last_code()})
    assert response.status_code == 302
    user = User.objects.get(phone=NUMBER)
    assert user.is_active and user.phone_verified_at is not None
    assert user.first_name == "Азиз" and user.check_password(SIGNUP["password1"])
    assert client.get("/dashboard/").status_code == 200
    assert password_works(NUMBER, SIGNUP["password1"])


def test_a_sign_up_for_someone_elses_number_cannot_take_their_sms_sign_in(client, post, settings):
    from django.test import Client

    settings.PHONE_CODE_RESEND_SECONDS = 0
    squatter = Client()
    post(
        "/signup/",
        SIGNUP | {"first_name": "Чужой", "password1": "Squat-pass-2026", "password2": "Squat-pass-2026"},
        as_client=squatter,
    )
    assert not User.objects.filter(phone=NUMBER).exists()

    # The real owner signs in by SMS later: a fresh account, nothing of the squatter's in it.
    post("/login/phone/", {"phone": NUMBER})
    client.post("/login/phone/code/", {"code": last_code(), "first_name": "Хозяин"})
    owner = User.objects.get(phone=NUMBER)
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert owner.first_name == "Хозяин" and not owner.has_usable_password()
    assert not password_works(NUMBER, "Squat-pass-2026")
    # The squatter's pending sign-up cannot finish with a guessed or stale code.
    response = squatter.post("/login/phone/code/", {"code": last_code()})
    assert response.status_code == 200
    assert User.objects.get(phone=NUMBER).pk == owner.pk and not owner.has_usable_password()


def test_a_pending_sign_up_does_not_block_the_owners_own_sign_up(client, post, settings):
    from django.test import Client

    settings.PHONE_CODE_RESEND_SECONDS = 0
    post("/signup/", SIGNUP | {"password1": "Squat-pass-2026", "password2": "Squat-pass-2026"}, as_client=Client())
    response = post("/signup/", SIGNUP)
    assert response.status_code == 302
    client.post("/login/phone/code/", {"code": last_code()})
    assert User.objects.get(phone=NUMBER).check_password(SIGNUP["password1"])
    assert not password_works(NUMBER, "Squat-pass-2026")


@pytest.fixture
def unconfirmed(make_user):
    """An account from the old password-only sign-up: active, number never proven."""
    return make_user(phone=NUMBER, first_name="Чужой", phone_verified_at=None)


def test_an_unconfirmed_account_cannot_publish_bid_or_pay(
    client, unconfirmed, make_listing, make_auction, seller, paid_auction, settings
):
    settings.LISTINGS_AUTO_APPROVE = True
    client.force_login(unconfirmed)
    form = {
        "title": "Квартира",
        "region": "tashkent_city",
        "address": "ул. Навои, 1",
        "rooms": "2",
        "area": "60",
        "floor": "2",
        "floors_total": "5",
        "price": "700000000",
        "currency": "UZS",
        "market": "resale",
    }
    response = client.post("/listings/new/", form)
    assert response.status_code == 200 and "Подтвердите номер телефона" in response.content.decode()
    assert not Listing.objects.filter(seller=unconfirmed).exists()

    with pytest.raises(AuctionRuleError) as refused:
        bid_place(auction_id=paid_auction.pk, bidder=unconfirmed, amount=Decimal("800000000"))
    assert refused.value.code == "phone_unconfirmed"
    api = APIClient()
    api.force_authenticate(unconfirmed)
    response = api.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": "800000000"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "phone_unconfirmed"

    # A listing it already had (published before the fix) cannot go to auction or be paid for.
    own = make_listing(unconfirmed)
    start = timezone.localtime() + timedelta(hours=1)
    window = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "starting_price": "700000000",
    }
    response = client.post(f"/listings/{own.pk}/auction/new/", window)
    assert "Подтвердите номер телефона" in response.content.decode()
    assert not own.auctions.exists()
    User.objects.filter(pk=unconfirmed.pk).update(phone_verified_at=seller.phone_verified_at)
    auction = make_auction(Listing.objects.select_related("seller").get(pk=own.pk))
    User.objects.filter(pk=unconfirmed.pk).update(phone_verified_at=None)
    response = api.post(f"/api/v1/auctions/{auction.pk}/payment/", format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "phone_unconfirmed"
    assert not AuctionPayment.objects.filter(auction=auction).exists()


def test_the_owners_sms_sign_in_takes_an_unconfirmed_account_from_whoever_made_it(
    client, post, unconfirmed, django_capture_on_commit_callbacks
):
    from django.test import Client

    squatter = Client()
    assert squatter.post("/login/", {"username": NUMBER, "password": PASSWORD}).status_code == 302
    token = Token.objects.create(user=unconfirmed)

    post("/login/phone/", {"phone": NUMBER})
    client.post("/login/phone/code/", {"code": last_code(), "first_name": "Хозяин"})
    owner = User.objects.get(phone=NUMBER)
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert owner.phone_verified_at is not None and owner.first_name == "Хозяин"
    # The squatter's password, session and API token stop working.
    assert not owner.has_usable_password() and not password_works(NUMBER, PASSWORD)
    assert squatter.get("/dashboard/").status_code == 302
    assert not Token.objects.filter(key=token.key).exists()


def test_a_signed_in_unconfirmed_account_confirms_its_own_number(client, post, unconfirmed):
    client.force_login(unconfirmed)
    page = client.get("/login/phone/").content.decode()
    assert "Подтвердите номер телефона" in page
    post("/login/phone/", {"phone": "+998901111111"})  # whatever is posted, the code goes to its own number
    assert sms_outbox[-1].phone == NUMBER
    client.post("/login/phone/code/", {"code": last_code()})
    unconfirmed.refresh_from_db()
    assert unconfirmed.phone_verified_at is not None
    assert unconfirmed.check_password(PASSWORD)  # it proved both: keeps its password
    assert client.get("/dashboard/").status_code == 200


def test_an_expired_pending_sign_up_code_creates_nothing(client, post, settings):
    from accounts.models import PhoneCode

    post("/signup/", SIGNUP)
    PhoneCode.objects.update(expires_at=PhoneCode.objects.get().created_at - timedelta(seconds=1))
    response = client.post("/login/phone/code/", {"code": last_code()})
    assert response.status_code == 200 and "истёк" in response.content.decode()
    assert not User.objects.filter(phone=NUMBER).exists()


def test_the_sign_up_number_lookup_is_rate_limited_per_address(client, make_user, settings):
    """/signup/ says "already registered" for a taken number: an address gets as many of those
    answers as the SMS flow sends it codes, then 429 with no answer about the number."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": {"ip": "3/3600"}}
    make_user(phone=NUMBER)
    for _ in range(3):
        response = client.post("/signup/", SIGNUP, REMOTE_ADDR="203.0.113.7")
        assert "Этот номер уже зарегистрирован" in response.content.decode()
    response = client.post("/signup/", SIGNUP, REMOTE_ADDR="203.0.113.7")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Слишком много запросов" in page and "уже зарегистрирован" not in page
    assert not sms_outbox
    # Another address still gets its answers.
    response = client.post("/signup/", SIGNUP, REMOTE_ADDR="203.0.113.8")
    assert "Этот номер уже зарегистрирован" in response.content.decode()


def test_a_sign_up_sent_again_too_soon_from_the_same_browser_goes_to_its_code_with_what_was_typed_now(client, post):
    """Back from the code page to correct the password: no new code may go yet, but this browser
    was sent the code a moment ago, so it goes to enter it, and the account gets the new details."""
    post("/signup/", SIGNUP)
    code = last_code()
    corrected = SIGNUP | {"first_name": "Азизбек", "password1": "Yangi-parol-2026", "password2": "Yangi-parol-2026"}
    again = post("/signup/", corrected)
    assert again.status_code == 302 and again.headers["Location"] == "/login/phone/code/"
    assert len([m for m in sms_outbox if m.phone == NUMBER]) == 1  # no second code
    page = client.get("/login/phone/code/").content.decode()
    assert "Код уже отправлен на этот номер — введите его." in page

    client.post("/login/phone/code/", {"code": code})
    user = User.objects.get(phone=NUMBER)
    assert user.first_name == "Азизбек" and user.check_password("Yangi-parol-2026")
    assert not password_works(NUMBER, SIGNUP["password1"])


def test_a_sign_up_too_soon_from_another_browser_only_waits(client, post):
    """Another browser was not sent the code: it is told to wait, and cannot reach the code page."""
    from django.test import Client

    post("/signup/", SIGNUP)
    other = Client()
    page = post("/signup/", SIGNUP, as_client=other)
    assert page.status_code == 200 and "Код уже отправлен. Новый можно запросить через минуту." in page.content.decode()
    assert other.get("/login/phone/code/")["Location"] == "/login/phone/"
    assert not User.objects.filter(phone=NUMBER).exists()

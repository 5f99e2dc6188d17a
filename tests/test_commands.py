"""Operator commands and the sandbox, against a live server over real HTTP."""

import contextlib
import io
import re
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from auctions.models import Auction, AuctionStatus
from clickuz.models import ClickCallback
from fees.models import AuctionPayment, PaymentAttempt, PaymentEvent

MTI = re.compile(r"^AUCTION_[A-Z0-9]{20}$")


def _run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("auto_approve", [True, False], ids=["auto-approve", "moderated"])
def test_click_test_order_prints_a_payable_merchant_trans_id_last(settings, auto_approve):
    # In production listings wait for a moderator; the operator's test order must not.
    settings.LISTINGS_AUTO_APPROVE = auto_approve
    output = _run("click_test_order")
    last = output.strip().splitlines()[-1]
    assert MTI.match(last)
    payment = AuctionPayment.objects.get(merchant_trans_id=last)
    assert payment.status == "pending" and str(payment.amount) == "50000.00"
    assert payment.auction.status == "pending_payment" and payment.auction.ends_at > timezone.now()
    # A second run makes a second, independent order.
    assert _run("click_test_order").strip().splitlines()[-1] != last


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_click_simulate_pays_an_order_over_http(live_server):
    mti = _run("click_test_order", starts_in_minutes=0).strip().splitlines()[-1]
    output = _run("click_simulate", base_url=live_server.url, merchant_trans_id=mti)
    assert "→ PREPARE POST" in output and "→ COMPLETE POST" in output
    assert output.count('"error": 0') >= 2 and "paid" in output
    payment = AuctionPayment.objects.get(merchant_trans_id=mti)
    assert payment.status == "completed"
    assert payment.auction.is_paid and payment.auction.status == "active"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_click_simulate_decline_and_wrong_amount(live_server):
    mti = _run("click_test_order").strip().splitlines()[-1]
    output = _run("click_simulate", base_url=live_server.url, merchant_trans_id=mti, decline=True)
    assert '"error": -9' in output and "declined" in output
    assert AuctionPayment.objects.get(merchant_trans_id=mti).status == "pending"
    assert PaymentAttempt.objects.get().status == "cancelled"
    with pytest.raises(CommandError, match="did not accept"):
        _run("click_simulate", base_url=live_server.url, merchant_trans_id=mti, amount="100.00")
    assert list(ClickCallback.objects.order_by("id").values_list("stage", "error")) == [
        ("prepare", 0),
        ("complete", -9),
        ("prepare", -2),
    ]
    assert Auction.objects.get().status == "pending_payment"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sandbox_pay_and_decline_buttons(live_server):
    mti = _run("click_test_order").strip().splitlines()[-1]
    auction = Auction.objects.get()
    query = {
        "service_id": "12345",
        "merchant_id": "23456",
        "amount": "50000.00",
        "transaction_param": mti,
        "return_url": f"{live_server.url}/auctions/{auction.pk}/",
    }
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=30) as browser:
        page = browser.get("/click-sandbox/services/pay", params=query)
        assert page.status_code == 200 and mti in page.text
        token = browser.cookies["csrftoken"]
        declined = browser.post(
            "/click-sandbox/services/pay", data=query | {"decline": "1", "csrfmiddlewaretoken": token}
        )
        assert declined.status_code == 302 and declined.headers["location"] == query["return_url"]
        assert AuctionPayment.objects.get().status == "pending"
        paid = browser.post("/click-sandbox/services/pay", data=query | {"pay": "1", "csrfmiddlewaretoken": token})
        assert paid.status_code == 302
    auction.refresh_from_db()
    assert auction.is_paid and auction.status == "scheduled"
    assert list(PaymentAttempt.objects.order_by("id").values_list("status", flat=True)) == ["cancelled", "completed"]


@pytest.mark.django_db
def test_sandbox_rejects_a_foreign_return_url_and_bad_links(client):
    query = {
        "service_id": "12345",
        "amount": "50000.00",
        "transaction_param": "AUCTION_X",
        "return_url": "https://evil.example/",
    }
    page = client.get("/click-sandbox/services/pay", query)
    assert page.status_code == 200 and "https://evil.example/" not in page.content.decode()
    for broken in (
        {"service_id": "999"},
        {"amount": "abc"},
        {"amount": "-1"},
        {"amount": "1e300000"},
        {"transaction_param": ""},
    ):
        assert client.get("/click-sandbox/services/pay", query | broken).status_code == 400


@pytest.mark.django_db
def test_sandbox_is_404_when_off(client, settings):
    settings.CLICK_SANDBOX = False
    assert client.get("/click-sandbox/services/pay").status_code == 404
    assert client.post("/click-sandbox/services/pay").status_code == 404


@pytest.mark.django_db
def test_auction_jobs_command_records_the_end_and_winner(listing, make_paid_auction, buyer, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 0  # soft close has its own tests; here the end must stay put
    from auctions.bidding import bid_place

    auction = make_paid_auction(listing, starts_in=-timedelta(seconds=1), duration=timedelta(seconds=3))
    bid_place(auction_id=auction.pk, bidder=buyer, amount=800_000_000)
    assert "0 auction(s) updated" in _run("auction_jobs")
    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.05)
    assert "1 auction(s) updated" in _run("auction_jobs")
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED and auction.winner == buyer
    assert "0 auction(s) updated" in _run("auction_jobs")


@pytest.mark.django_db
def test_seed_demo_creates_auctions_in_every_state_and_is_idempotent(settings):
    settings.DEBUG = True
    first = _run("seed_demo")
    password = re.search(r"\+998900000001 / (\S+)", first).group(1)
    admin = User.objects.get(phone="+998900000001")
    assert admin.is_superuser and admin.check_password(password)
    source = (Path(__file__).resolve().parent.parent / "fees/management/commands/seed_demo.py").read_text()
    assert password not in source and len(password) >= 16
    statuses = set(Auction.objects.values_list("status", flat=True))
    assert statuses == {"pending_payment", "scheduled", "active", "ended", "cancelled"}
    ended = Auction.objects.get(status="ended")
    assert ended.winner is not None and ended.current_price is not None
    count = Auction.objects.count()
    again = _run("seed_demo")
    assert Auction.objects.count() == count
    # Each development run prints fresh random passwords, and those are the ones that work.
    new_password = re.search(r"\+998900000001 / (\S+)", again).group(1)
    admin.refresh_from_db()
    assert new_password != password and admin.check_password(new_password)


@pytest.mark.django_db
def test_seed_demo_refuses_a_production_site_unless_told(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-production"):
        _run("seed_demo")
    assert not User.objects.exists()
    out = _run("seed_demo", "--i-know-this-is-production")
    password = re.search(r"\+998900000001 / (\S+)", out).group(1)
    assert User.objects.get(phone="+998900000001").check_password(password)
    # Run again on production: nothing is reset, and no password is shown.
    assert "/ " not in _run("seed_demo", "--i-know-this-is-production")
    assert User.objects.get(phone="+998900000001").check_password(password)


@pytest.mark.django_db
def test_checklist_step7_snippet_runs_unchanged(paid_auction):
    snippet = """
from auctions.models import AuctionPayment, Auction

last_payment = AuctionPayment.objects.last()
print(f"Status: {last_payment.status}")
print(f"Amount: {last_payment.amount}")
print(f"Merchant Trans ID: {last_payment.merchant_trans_id}")

auction = last_payment.auction
print(f"Auction Status: {auction.status}")
print(f"Is Paid: {auction.is_paid}")

AuctionPayment.objects.all().values('merchant_trans_id', 'status', 'amount')
Auction.objects.filter(status='pending_payment', is_paid=False)
"""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _run("shell", command=snippet)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Status: completed"
    assert lines[1] == "Amount: 50000.00"
    assert MTI.match(lines[2].removeprefix("Merchant Trans ID: "))
    assert lines[3] == "Auction Status: active"
    assert lines[4] == "Is Paid: True"


# --- click_test_order: the operator's test order is never public, never notifies, and cleans up ---


def _test_orders(*starts_in_minutes: int) -> list[AuctionPayment]:
    return [
        AuctionPayment.objects.get(
            merchant_trans_id=_run("click_test_order", starts_in_minutes=m).strip().splitlines()[-1]
        )
        for m in starts_in_minutes
    ]


@pytest.mark.django_db
def test_click_test_order_is_never_public(client, paid_auction, django_capture_on_commit_callbacks):
    from fees.demo import fee_pay_offline

    # Paid, one running now and one upcoming: the states in which a seller's auction is shown everywhere.
    running, upcoming = _test_orders(0, 60)
    with django_capture_on_commit_callbacks(execute=True):
        fee_pay_offline(running)
        fee_pay_offline(upcoming)
    tests = [running.auction, upcoming.auction]
    assert [a.listing.operator_test for a in tests] == [True, True]
    ours = paid_auction.listing.title  # the control: a seller's paid, running auction is public
    pages = {
        "home": client.get("/").content.decode(),
        "search": client.get("/listings/", {"q": "квартира"}).content.decode(),
        "api listings": client.get("/api/v1/listings/", {"q": "квартира"}).content.decode(),
        "api auctions": client.get("/api/v1/auctions/").content.decode(),
        "api active": client.get("/api/v1/auctions/", {"status": "active"}).content.decode(),
        "api scheduled": client.get("/api/v1/auctions/", {"status": "scheduled"}).content.decode(),
    }
    for name, text in pages.items():
        assert "Click test" not in text, name
    for name in ("home", "search", "api listings"):
        assert ours in pages[name], name
    assert f'"id":{paid_auction.pk}' in pages["api active"].replace(" ", "")
    for auction in tests:
        assert client.get(f"/api/v1/auctions/{auction.pk}/").status_code == 404
        assert client.get(f"/api/v1/listings/{auction.listing_id}/").status_code == 404
        assert client.get(f"/listings/{auction.listing_id}/").status_code == 404
    assert client.get(f"/api/v1/auctions/{paid_auction.pk}/").status_code == 200


@pytest.mark.django_db
def test_click_test_order_sends_no_notifications(make_user, paid_auction, django_capture_on_commit_callbacks):
    from auctions.models import AuctionWatch
    from core import sms
    from fees.demo import fee_pay_offline
    from notifications.tasks import notify_auction_event

    [payment] = _test_orders(0)
    seller = payment.auction.seller
    assert seller.phone == "+998000000099"  # operator code 00: nobody's phone
    watcher = make_user()
    AuctionWatch.objects.create(auction=payment.auction, user=watcher)
    AuctionWatch.objects.create(auction=paid_auction, user=watcher)
    sms.sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fee_pay_offline(payment)  # fee_paid would go to the seller
    assert notify_auction_event(kind="cancelled", auction_id=payment.auction_id) == 0
    assert notify_auction_event(kind="started", auction_id=payment.auction_id) == 0
    assert sms.sms_outbox == []
    # The control: the same events of a seller's auction do reach the watcher.
    assert notify_auction_event(kind="started", auction_id=paid_auction.pk) == 1
    assert [m.phone for m in sms.sms_outbox] == [watcher.phone]


@pytest.mark.django_db
def test_click_test_order_cleanup_removes_everything_it_made(paid_auction, django_capture_on_commit_callbacks):
    from fees.demo import fee_pay_offline
    from listings.models import Listing

    before = {
        "auctions": Auction.objects.count(),
        "payments": AuctionPayment.objects.count(),
        "attempts": PaymentAttempt.objects.count(),
        "events": PaymentEvent.objects.count(),
        "listings": Listing.objects.count(),
    }
    paid, pending = _test_orders(0, 60)
    with django_capture_on_commit_callbacks(execute=True):
        fee_pay_offline(paid)  # an attempt and a paid, running auction
    # The jobs' timeline rows (PROTECT, like the attempts): reconciliation of one, expiry of the other.
    PaymentEvent.objects.create(payment=paid, kind=PaymentEvent.Kind.RECONCILED)
    PaymentEvent.objects.create(payment=pending, kind=PaymentEvent.Kind.EXPIRED)
    assert PaymentAttempt.objects.count() > before["attempts"]
    output = _run("click_test_order", cleanup=True)
    assert paid.merchant_trans_id in output and "completed" in output  # told what goes
    after = {
        "auctions": Auction.objects.count(),
        "payments": AuctionPayment.objects.count(),
        "attempts": PaymentAttempt.objects.count(),
        "events": PaymentEvent.objects.count(),
        "listings": Listing.objects.count(),
    }
    assert after == before
    assert not Listing.objects.filter(operator_test=True).exists()
    from accounts.models import User

    assert not User.objects.filter(phone="+998000000099").exists()
    # The seller's own auction is untouched; a second cleanup finds nothing.
    paid_auction.refresh_from_db()
    assert paid_auction.is_paid
    assert "nothing to remove" in _run("click_test_order", cleanup=True)


@pytest.mark.parametrize(
    "argv",
    [
        ["click_callbacks_prune", "--days", "99999999"],
        ["click_doctor", "--since-hours", "1000000000000"],
        ["payme_doctor", "--since-hours", "1000000000000"],
        ["payme_doctor", "--base-url", "http://[::1"],
        ["click_test_order", "--days", "0"],
        ["click_test_order", "--starts-in-minutes", "-100000"],
        ["click_test_order", "--starts-in-minutes", "300000"],
        ["payme_test_order", "--days", "1000000000000"],
        ["click_simulate", "--base-url", "http://[::1", "--merchant-trans-id", "X"],
        ["click_simulate", "--base-url", "http://x", "--merchant-trans-id", "X", "--timeout", "-1"],
        ["payme_simulate", "--base-url", "::::", "--order-id", "X"],
        ["auction_jobs", "--interval", "0"],
    ],
)
def test_an_operator_argument_out_of_range_is_a_command_error(db, argv):
    # A traceback from deep down (timedelta's OverflowError, httpx's InvalidURL) said nothing useful.
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command(*argv)

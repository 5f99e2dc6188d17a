"""Payme for operators: the admin timeline and statement, payme_doctor, payme_test_order,
payme_simulate, the sandbox pay page and the seller's fee block."""

import base64
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from auctions.lifecycle import auction_cancel
from auctions.models import Auction
from fees.models import AuctionPayment, FeeRefund, PaymentStatus
from fees.refunds import refund_process
from fees_payme.doctor import ERROR, OK, doctor_run
from fees_payme.models import PaymeTransaction
from paymeuz.paylink import payme_pay_params, payme_pay_url
from tests.payme import create_params, rpc


@pytest.fixture
def operator(make_user):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _pay(payment: AuctionPayment) -> str:
    client = Client()
    params = create_params(payment.merchant_trans_id)
    assert rpc(client, "CreateTransaction", params)["result"]["state"] == 1
    assert rpc(client, "PerformTransaction", {"id": params["id"]})["result"]["state"] == 2
    return params["id"]


# --- Pay link ---------------------------------------------------------------------------------


def test_the_pay_link_matches_payme_docs_example():
    url = payme_pay_url(
        base_url="https://checkout.paycom.uz/", merchant_id="587f72c72cac0d162c722ae2", order_id="197", amount_tiyin=500
    )
    assert url == "https://checkout.paycom.uz/bT01ODdmNzJjNzJjYWMwZDE2MmM3MjJhZTI7YWMub3JkZXJfaWQ9MTk3O2E9NTAw"
    assert payme_pay_params(url.rsplit("/", 1)[1]) == {
        "m": "587f72c72cac0d162c722ae2",
        "ac.order_id": "197",
        "a": "500",
    }


@pytest.mark.django_db
def test_the_fee_block_offers_click_and_payme_side_by_side(client, payment, settings):
    settings.PAYME_SANDBOX = False
    client.force_login(payment.auction.seller)
    page = client.get(reverse("auctions:detail", args=[payment.auction_id])).content.decode()
    assert 'data-testid="pay-click"' in page and 'data-testid="pay-payme"' in page
    link = re.search(r'href="(https://checkout\.paycom\.uz/[^"]+)" data-testid="pay-payme"', page)
    assert link, page
    params = payme_pay_params(link.group(1).removeprefix("https://checkout.paycom.uz/"))
    assert params["m"] == settings.PAYME_MERCHANT_ID
    assert params["ac.order_id"] == payment.merchant_trans_id
    assert params["a"] == "5000000"
    assert params["l"] == "ru"
    assert params["c"].endswith(f"/auctions/{payment.auction_id}/?from=payme")


@pytest.mark.django_db
def test_without_payme_settings_only_click_is_offered(client, payment, settings):
    settings.PAYME_MERCHANT_ID = ""
    client.force_login(payment.auction.seller)
    page = client.get(reverse("auctions:detail", args=[payment.auction_id])).content.decode()
    assert 'data-testid="pay-click"' in page and "pay-payme" not in page


@pytest.mark.django_db
def test_a_fee_paid_through_payme_says_so(client, payment):
    _pay(payment)
    client.force_login(payment.auction.seller)
    page = client.get(reverse("auctions:detail", args=[payment.auction_id])).content.decode()
    assert "оплачен через Payme" in page


# --- Admin ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_payment_timeline_shows_payme_transactions_and_calls(operator, payment):
    tid = _pay(payment)
    rpc(Client(), "CancelTransaction", {"id": tid, "reason": 5})
    page = operator.get(reverse("admin:fees_auctionpayment_change", args=[payment.pk])).content.decode()
    order = [
        page.index(f'data-timeline="{step}"') for step in ("initiated", "prepared", "completed", "refunded_by_gateway")
    ]
    assert order == sorted(order)
    assert "Payme: CreateTransaction" in page and "Payme: PerformTransaction" in page
    assert tid in page
    for method in ("CreateTransaction", "PerformTransaction", "CancelTransaction"):
        assert f'data-payme-call="{method}"' in page
    statement = operator.get(reverse("admin:fees_payme_paymetransaction_changelist")).content.decode()
    assert tid in statement and payment.merchant_trans_id in statement


# --- Commands ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_payme_test_order_prints_a_payable_order_id_last():
    out = StringIO()
    call_command("payme_test_order", stdout=out)
    order_id = out.getvalue().strip().splitlines()[-1]
    payment = AuctionPayment.objects.get(merchant_trans_id=order_id)
    assert payment.status == PaymentStatus.PENDING
    assert rpc(Client(), "CheckPerformTransaction", {"amount": 5_000_000, "account": {"order_id": order_id}})[
        "result"
    ] == {"allow": True}
    cleanup = StringIO()
    call_command("payme_test_order", "--cleanup", stdout=cleanup)
    assert not AuctionPayment.objects.filter(merchant_trans_id=order_id).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payme_simulate_pays_over_http_with_repeats(live_server):
    out = StringIO()
    call_command("payme_test_order", stdout=out)
    order_id = out.getvalue().strip().splitlines()[-1]
    result = StringIO()
    call_command("payme_simulate", "--base-url", live_server.url, "--order-id", order_id, stdout=result)
    text = result.getvalue()
    assert text.count("→ CreateTransaction") == 2 and text.count("→ PerformTransaction") == 2
    assert "paid: transaction" in text
    payment = AuctionPayment.objects.get(merchant_trans_id=order_id)
    assert payment.status == PaymentStatus.COMPLETED
    assert Auction.objects.get(pk=payment.auction_id).is_paid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sandbox_pay_page_pays_through_our_endpoint_over_http(live_server, payment):
    url = payme_pay_url(
        base_url=f"{live_server.url}/payme-sandbox/",
        merchant_id="5e730e8e0b852a417aa49cea",
        order_id=payment.merchant_trans_id,
        amount_tiyin=5_000_000,
        return_url=f"{live_server.url}/auctions/{payment.auction_id}/?from=payme",
    )
    client = Client(HTTP_HOST=live_server.url.split("//", 1)[1])
    page = client.get(url.replace(live_server.url, ""))
    assert page.status_code == 200 and payment.merchant_trans_id in page.content.decode()
    # The pay button: the page calls CheckPerform, Create ×2 and Perform ×2 over HTTP, as Payme does.
    import httpx

    with httpx.Client(follow_redirects=False, timeout=30) as http:
        got = http.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', got.text).group(1)
        response = http.post(url, data={"csrfmiddlewaretoken": token, "pay": "1"}, headers={"Referer": url})
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["location"].endswith("?from=payme")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert PaymeTransaction.objects.get().state == 2


def test_a_pay_link_whose_base64_holds_a_slash_round_trips():
    url = payme_pay_url(
        base_url="https://checkout.paycom.uz/",
        merchant_id="5e730e8e0b852a417aa49cea",
        order_id="AUCTION_ABCDEFGHIJ0123456789",
        amount_tiyin=5_000_000,
        return_url="http://127.0.0.1:8000/auctions/1/?from=payme",
        lang="ru",
    )
    encoded = url.removeprefix("https://checkout.paycom.uz/")
    assert payme_pay_params(encoded)["c"] == "http://127.0.0.1:8000/auctions/1/?from=payme"


@pytest.mark.django_db
def test_the_sandbox_page_refuses_a_link_for_another_cashbox(client):
    encoded = base64.b64encode(b"m=ffffffffffffffffffffffff;ac.order_id=AUCTION_X;a=5000000").decode()
    assert client.get(f"/payme-sandbox/{encoded}").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["²", "٥٠٠٠", "9" * 5000, "0", "-5", "1" + "0" * 14, ""])
def test_the_sandbox_page_refuses_an_amount_that_is_not_tiyin(client, settings, amount):
    link = f"m={settings.PAYME_MERCHANT_ID};ac.order_id=AUCTION_X;a={amount}".encode()
    encoded = base64.b64encode(link).decode()
    for response in (client.get(f"/payme-sandbox/{encoded}"), client.post(f"/payme-sandbox/{encoded}")):
        assert response.status_code == 400
        assert response.context["problems"] == ["a"]


# --- payme_doctor ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_payme_doctor_self_test_passes_and_leaves_nothing(settings):
    before = AuctionPayment.objects.count()
    findings = doctor_run(http=False)
    codes = {f.code: f.level for f in findings}
    assert codes["selftest.ok"] == OK, findings
    assert AuctionPayment.objects.count() == before


@pytest.mark.django_db
def test_payme_doctor_names_a_payme_refund_waiting_for_the_operator(payment):
    tid = _pay(payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    refund_process(refund_id=FeeRefund.objects.get().pk)
    findings = [f for f in doctor_run(http=False, self_test=False) if f.code == "refund.payme"]
    assert findings and findings[0].level == ERROR
    assert tid in findings[0].en and "Payme cabinet" in findings[0].fix_en
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("payme_doctor", "--no-http", "--no-self-test", "--lang", "en", stdout=out)
    assert tid in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payme_doctor_checks_the_endpoint_over_http(live_server):
    findings = doctor_run(self_test=False, base_url=live_server.url)
    http = [f for f in findings if f.code.startswith("http.")]
    assert [f.code for f in http] == ["http.ok"], http


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_gives_the_payme_link_beside_clicks(auction, settings):
    from tests.test_api import token_client

    settings.PAYME_SANDBOX = False
    client = token_client(auction.seller)
    body = client.post(f"/api/v1/auctions/{auction.pk}/payment/").json()
    assert body["pay_url"] and body["payme_pay_url"].startswith("https://checkout.paycom.uz/")
    params = payme_pay_params(body["payme_pay_url"].removeprefix("https://checkout.paycom.uz/"))
    assert params["ac.order_id"] == body["merchant_trans_id"] and params["a"] == "5000000"
    _pay(AuctionPayment.objects.get(pk=body["id"]))
    paid = client.get(f"/api/v1/auctions/{auction.pk}/payment/").json()
    assert paid["status"] == "completed" and paid["payme_pay_url"] is None
    settings.PAYME_MERCHANT_ID = ""
    assert client.get(f"/api/v1/auctions/{auction.pk}/payment/").json()["payme_pay_url"] is None


@pytest.mark.django_db
def test_click_doctor_leaves_payme_refunds_to_payme_doctor(payment):
    from fees_click.doctor import _refund_findings

    _pay(payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    refund_process(refund_id=FeeRefund.objects.get().pk)
    assert _refund_findings() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sandbox_cancel_button_and_payme_simulate_decline_release_the_order(live_server, payment):
    import httpx

    url = payme_pay_url(
        base_url=f"{live_server.url}/payme-sandbox/",
        merchant_id="5e730e8e0b852a417aa49cea",
        order_id=payment.merchant_trans_id,
        amount_tiyin=5_000_000,
        return_url=f"{live_server.url}/auctions/{payment.auction_id}/?from=payme",
    )
    with httpx.Client(follow_redirects=False, timeout=30) as http:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', http.get(url).text).group(1)
        response = http.post(url, data={"csrfmiddlewaretoken": token, "decline": "1"}, headers={"Referer": url})
    assert response.status_code == 302
    txn = PaymeTransaction.objects.get()
    assert (txn.state, txn.reason) == (-1, 3)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    out = StringIO()
    call_command(
        "payme_simulate",
        "--base-url",
        live_server.url,
        "--order-id",
        payment.merchant_trans_id,
        "--decline",
        stdout=out,
    )
    assert "declined: transaction" in out.getvalue() and out.getvalue().count("→ CancelTransaction") == 2
    assert PaymeTransaction.objects.filter(state=-1).count() == 2
    # A refused simulation is a command error.
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("payme_simulate", "--base-url", live_server.url, "--order-id", "AUCTION_00000000000000000000")

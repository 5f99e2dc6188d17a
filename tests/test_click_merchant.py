"""The Merchant API client against a fake Click over real local HTTP (shop-api.md §8)."""

import json
import logging
import socket
from datetime import date
from decimal import Decimal

import pytest

from clickuz.merchant import ClickMerchantClient, MerchantApiNotConfigured, MerchantConfig, auth_header
from core.logging import JsonFormatter


def test_auth_header_matches_the_documented_example():
    header = auth_header(merchant_user_id="3333", secret_key="SECRET123", timestamp=1712345678)
    assert header == "3333:4d3f62489dbc19114297581bcfa0d906f84df0cd:1712345678"


def _client(settings, **overrides) -> ClickMerchantClient:
    config = MerchantConfig.from_settings()
    return ClickMerchantClient(MerchantConfig(**{**config.__dict__, **overrides}))


def test_every_call_is_authenticated_and_answers_are_parsed(settings, click_merchant):
    click_merchant.add_payment(4242, "AUCTION_X", "2026-11-29", status=2)
    client = ClickMerchantClient()

    status = client.payment_status(payment_id=4242, payment_ref="AUCTION_X")
    assert status.ok and status.int_field("payment_status") == 2

    by_mti = client.payment_status_by_mti(merchant_trans_id="AUCTION_X", created_on=date(2026, 11, 29), payment_ref="X")
    assert by_mti.ok and by_mti.int_field("payment_id") == 4242
    missing = client.payment_status_by_mti(
        merchant_trans_id="AUCTION_X", created_on=date(2026, 11, 28), payment_ref="X"
    )
    assert missing.answered and not missing.ok and missing.error_code == -16

    invoice = client.invoice_create(
        amount=Decimal("50000.00"), phone_number="998901234567", merchant_trans_id="AUCTION_X", payment_ref="X"
    )
    assert invoice.ok
    invoice_id = invoice.int_field("invoice_id")
    sent = click_merchant.calls("POST")[-1].body
    assert sent == {
        "service_id": 12345,
        "amount": Decimal("50000.00"),  # sent as the JSON number 50000.00, exactly
        "phone_number": "998901234567",
        "merchant_trans_id": "AUCTION_X",
    }
    assert client.invoice_status(invoice_id=invoice_id, payment_ref="X").int_field("invoice_status") == 0

    reversal = client.payment_reversal(payment_id=4242, payment_ref="AUCTION_X")
    assert reversal.ok and click_merchant.payments[4242].reversed

    paths = [(r.method, r.path) for r in click_merchant.requests]
    assert paths == [
        ("GET", "/payment/status/12345/4242"),
        ("GET", "/payment/status_by_mti/12345/AUCTION_X/2026-11-29"),
        ("GET", "/payment/status_by_mti/12345/AUCTION_X/2026-11-28"),
        ("POST", "/invoice/create"),
        ("GET", f"/invoice/status/12345/{invoice_id}"),
        ("DELETE", "/payment/reversal/12345/4242"),
    ]
    for seen in click_merchant.requests:
        user, _digest, stamp = seen.headers["Auth"].split(":")
        assert user == "34567" and len(stamp) == 10
        assert seen.headers["Accept"] == "application/json"


def test_a_wrong_secret_is_refused_by_click(settings, click_merchant):
    result = _client(settings, secret_key="not-the-secret").payment_status(payment_id=1, payment_ref="X")
    assert result.http_status == 401 and not result.ok


def test_reads_are_retried_a_bounded_number_of_times(settings, click_merchant):
    click_merchant.add_payment(7, "AUCTION_Y", "2026-11-29")
    click_merchant.fail_next = 2
    result = _client(settings, retries=2).payment_status(payment_id=7, payment_ref="AUCTION_Y")
    assert result.ok and result.attempts == 3

    click_merchant.requests.clear()
    click_merchant.fail_next = 10
    result = _client(settings, retries=2).payment_status(payment_id=7, payment_ref="AUCTION_Y")
    assert not result.ok and result.http_status == 503 and len(click_merchant.requests) == 3


def test_a_reversal_is_never_resent_after_click_may_have_received_it(settings, click_merchant):
    click_merchant.add_payment(8, "AUCTION_Z", "2026-11-29")
    click_merchant.fail_next = 1
    result = _client(settings, retries=3).payment_reversal(payment_id=8, payment_ref="AUCTION_Z")
    assert not result.ok and result.http_status == 503
    assert len(click_merchant.calls("DELETE")) == 1 and not click_merchant.payments[8].reversed


def test_an_unreachable_click_is_a_result_not_an_exception(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CLICK_MERCHANT_API_URL = f"http://127.0.0.1:{port}/v2/merchant/"
    settings.CLICK_MERCHANT_API_BACKOFF = 0
    result = ClickMerchantClient().payment_reversal(payment_id=1, payment_ref="AUCTION_Q")
    assert not result.answered and result.http_status is None and result.attempts == 3  # 2 retries: never sent
    assert "ConnectError" in result.summary


def test_no_url_means_not_configured(settings):
    settings.CLICK_MERCHANT_API_URL = ""
    client = ClickMerchantClient()
    assert not client.configured
    with pytest.raises(MerchantApiNotConfigured, match="CLICK_MERCHANT_API_URL"):
        client.payment_status(payment_id=1, payment_ref="X")


def test_every_call_is_logged_as_json_with_the_payment(settings, click_merchant, caplog):
    click_merchant.add_payment(9, "AUCTION_LOG", "2026-11-29")
    with caplog.at_level(logging.INFO, logger="clickuz.merchant"):
        ClickMerchantClient().payment_status(payment_id=9, payment_ref="AUCTION_LOG")
    [record] = [r for r in caplog.records if r.name == "clickuz.merchant"]
    line = json.loads(JsonFormatter().format(record))
    assert line["merchant_trans_id"] == "AUCTION_LOG"
    assert line["endpoint"] == "payment/status/12345/9"
    assert line["http_status"] == 200 and line["error_code"] == 0 and line["level"] == "INFO"


def test_a_stale_auth_timestamp_is_refused(click_merchant):
    from clickuz.merchant import auth_header

    fresh = ClickMerchantClient()._headers()["Auth"]
    assert click_merchant.auth_ok(fresh)
    stale = auth_header(merchant_user_id="34567", secret_key="test-click-secret", timestamp=1712345678)
    assert not click_merchant.auth_ok(stale)

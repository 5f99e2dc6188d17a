"""The Payme Merchant API endpoint, method by method, exactly as Payme calls it
(merchant-api.md): every method, every error code, every state transition.

Every request goes through Django's test client to the real URL with Payme's Basic auth
and Payme's `text/json` content type."""

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from auctions.lifecycle import auction_cancel
from auctions.models import Auction, AuctionEvent, AuctionStatus
from fees.models import AttemptStatus, AuctionPayment, FeeRefund, PaymentAttempt, PaymentStatus, RefundState
from fees.refunds import refund_process
from fees.services import fee_initiate
from fees_payme.models import PaymeTransaction
from paymeuz.models import PaymeCall
from tests import payme
from tests.payme import FEE_TIYIN, HOUR_MS, KEY, URL, account, create_params, error_code, now_ms, rpc

pytestmark = pytest.mark.django_db

TWELVE_HOURS = 12 * HOUR_MS
MESSAGES = {
    -31001: ("Неверная сумма", "Noto'g'ri summa", "Incorrect amount"),
    -31050: ("Заказ не найден", "Buyurtma topilmadi", "Order not found"),
    -31051: ("Заказ уже оплачен", "Buyurtma allaqachon to'langan", "Order is already paid"),
}


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def create(client, payment, **kwargs):
    params = create_params(payment.merchant_trans_id, **kwargs)
    return params, rpc(client, "CreateTransaction", params)


def perform(client, tid):
    return rpc(client, "PerformTransaction", {"id": tid})


def cancel(client, tid, reason=3):
    return rpc(client, "CancelTransaction", {"id": tid, "reason": reason})


def check(client, tid):
    return rpc(client, "CheckTransaction", {"id": tid})


def paid(client, payment):
    params, created = create(client, payment)
    assert "result" in created, created
    performed = perform(client, params["id"])
    assert performed["result"]["state"] == 2, performed
    return params["id"]


def check_perform(client, payment, amount=FEE_TIYIN):
    return rpc(client, "CheckPerformTransaction", {"amount": amount, "account": account(payment.merchant_trans_id)})


# --- Transport and auth ------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic " + base64.b64encode(b"Paycom:wrong-key").decode(),
        "Basic " + base64.b64encode(f"Payme:{KEY}".encode()).decode(),  # the login is always Paycom
        "Basic " + base64.b64encode(f"Paycom:{KEY[:-1]}".encode()).decode(),
        "Basic " + base64.b64encode(f"Paycom:{KEY}x".encode()).decode(),
        "Basic not-base64!!",
        "Bearer " + base64.b64encode(f"Paycom:{KEY}".encode()).decode(),
        "Basic " + base64.b64encode(b"Paycom").decode(),
        "Basic ",
    ],
)
def test_missing_or_wrong_auth_is_32504_and_nothing_happens(client, payment, authorization):
    params = create_params(payment.merchant_trans_id)
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = client.post(URL, data=payme.body("CreateTransaction", params, 7), content_type="text/json", **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=UTF-8"
    answer = json.loads(response.content)
    assert answer["error"]["code"] == -32504
    assert answer["error"]["message"] == {
        "ru": "Недостаточно привилегий для выполнения метода",
        "uz": "Metodni bajarish uchun huquqlar yetarli emas",
        "en": "Insufficient privileges to perform the method",
    }
    assert answer["id"] == 7
    assert not PaymentAttempt.objects.exists()
    assert not PaymeTransaction.objects.exists()
    assert not PaymeCall.objects.exists()


def test_auth_is_checked_before_the_method_and_the_json(client):
    assert json.loads(client.get(URL).content)["error"]["code"] == -32504
    response = client.post(URL, data=b"{not json", content_type="text/json")
    assert json.loads(response.content)["error"]["code"] == -32504


def test_the_key_is_compared_verbatim_with_its_special_characters(client, payment):
    assert "&%#?@:" in KEY
    assert check_perform(client, payment)["result"] == {"allow": True}


def test_the_test_key_is_accepted_only_in_payme_test_mode(client, payment, settings):
    assert error_code(check_perform_with(client, payment, "test-payme-test-key")) == -32504
    settings.PAYME_TEST_MODE = True
    assert check_perform_with(client, payment, "test-payme-test-key")["result"] == {"allow": True}
    assert error_code(check_perform_with(client, payment, KEY)) == -32504


def check_perform_with(client, payment, key):
    params = {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    return rpc(client, "CheckPerformTransaction", params, key=key)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_not_post_is_32300_with_http_200(client, method):
    from paymeuz.protocol import authorization_header

    response = getattr(client, method)(URL, HTTP_AUTHORIZATION=authorization_header(KEY))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=UTF-8"
    answer = json.loads(response.content)
    assert answer["error"]["code"] == -32300
    assert answer["error"]["message"]["en"] == "Request method must be POST"


@pytest.mark.parametrize(
    "content_type",
    ["text/json; charset=UTF-8", "application/json", "text/plain", "application/x-www-form-urlencoded", ""],
)
def test_any_content_type_is_read_as_json(client, payment, content_type):
    answer = rpc(
        client,
        "CheckPerformTransaction",
        {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)},
        content_type=content_type,
    )
    assert answer["result"] == {"allow": True}


def test_the_url_without_the_trailing_slash_is_answered_too(client, payment):
    answer = rpc(
        client,
        "CheckPerformTransaction",
        {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)},
        url=URL.rstrip("/"),
    )
    assert answer["result"] == {"allow": True}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", -32700),
        (b"", -32700),
        (b"\xff\xfe", -32700),
        (b"[1, 2]", -32600),
        (b'"CheckPerformTransaction"', -32600),
        (b'{"params": {}, "id": 5}', -32600),
        (b'{"method": "CheckTransaction", "id": 5}', -32600),
        (b'{"method": "CheckTransaction", "params": [], "id": 5}', -32600),
        (b'{"method": 12, "params": {}, "id": 5}', -32600),
    ],
)
def test_malformed_bodies(client, data, code):
    answer = json.loads(payme.raw(client, data, content_type="text/json").content)
    assert answer["error"]["code"] == code
    assert set(answer["error"]["message"]) == {"ru", "uz", "en"}
    assert answer["id"] in (None, 5)


def test_an_unknown_method_is_32601_with_its_name(client):
    answer = rpc(client, "FlyToTheMoon", {})
    assert answer["error"]["code"] == -32601
    assert answer["error"]["data"] == "FlyToTheMoon"
    assert answer["error"]["message"]["ru"] == "Метод не найден"


def test_the_answer_echoes_any_request_id(client, payment):
    for request_id in (0, "abc", 2032):
        answer = rpc(client, "CheckTransaction", {"id": "x" * 24}, request_id=request_id)
        assert answer["id"] == request_id


def test_an_unknown_method_s_name_comes_back_whole(client):
    name = "Method" + "X" * 200
    assert rpc(client, name, {})["error"]["data"] == name


# Text JSON carries and no database column or UTF-8 answer can: a lone surrogate, a NUL.
LONE_SURROGATE = "\ud800"


def _answer(client, text: str, *, key=KEY):
    """The endpoint's answer to a raw JSON text (the escapes written by hand)."""
    response = payme.raw(client, text.encode(), key=key)
    return json.loads(response.content)


@pytest.mark.parametrize("key", [KEY, "wrong-key"])
def test_an_id_json_cannot_carry_back_is_refused_and_answered_with_http_200(client, payment, key):
    # 1e400 is a JSON number Python reads as infinity: no answer could echo it.
    params = json.dumps(create_params(payment.merchant_trans_id))
    answer = _answer(client, f'{{"method": "CreateTransaction", "params": {params}, "id": 1e400}}', key=key)
    assert answer["id"] is None
    assert answer["error"]["code"] == (-32600 if key == KEY else -32504)
    assert not PaymeTransaction.objects.exists()


@pytest.mark.parametrize("key", [KEY, "wrong-key"])
def test_a_lone_surrogate_in_the_id_or_the_method_is_echoed_as_an_escape(client, key):
    answer = _answer(client, '{"method": "CheckTransaction", "params": {"id": "x"}, "id": "a\\ud800"}', key=key)
    assert answer["id"] == "a" + LONE_SURROGATE
    assert answer["error"]["code"] == (-31003 if key == KEY else -32504)  # the transaction "x" is unknown
    answer = _answer(client, '{"method": "Fly\\ud800", "params": {}, "id": 7}')
    assert answer["error"] == {**answer["error"], "code": -32601, "data": "Fly" + LONE_SURROGATE}


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"])
def test_an_unstorable_transaction_id_is_32600(client, payment, escape):
    params = json.dumps(create_params(payment.merchant_trans_id)).replace('"id": "', f'"id": "{escape}', 1)
    assert error_code(_answer(client, f'{{"method": "CreateTransaction", "params": {params}, "id": 3}}')) == -32600
    for method in ("CheckTransaction", "PerformTransaction"):
        text = f'{{"method": "{method}", "params": {{"id": "ab{escape}cd"}}, "id": 4}}'
        assert error_code(_answer(client, text)) == -32600
    assert not PaymeTransaction.objects.exists()


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"])
def test_unstorable_text_in_an_extra_account_field_is_kept_storable(client, payment, escape):
    params = create_params(payment.merchant_trans_id)
    params["account"]["note"] = "before-NOTE-after"
    text = json.dumps({"method": "CreateTransaction", "params": params, "id": 5}).replace("NOTE", escape)
    created = _answer(client, text)
    assert created["result"]["state"] == 1, created
    statement = rpc(client, "GetStatement", {"from": params["time"], "to": params["time"]})["result"]
    (row,) = statement["transactions"]
    assert row["account"] == {**params["account"], "note": "before-\ufffd-after"}
    assert rpc(client, "PerformTransaction", {"id": params["id"]})["result"]["state"] == 2


def test_set_fiscal_data_with_unstorable_text_is_stored(client, payment):
    tid = paid(client, payment)
    fiscal = '"type": "PERFORM", "fiscal_data": {"qr": "a\\u0000b\\ud800"}'
    text = f'{{"method": "SetFiscalData", "params": {{"id": "{tid}", {fiscal}}}, "id": 6}}'
    assert _answer(client, text)["result"] == {"success": True}
    assert PaymeTransaction.objects.get().fiscal_data["PERFORM"] == {"qr": "a\ufffdb\ufffd"}


def test_a_change_password_with_a_nul_is_32600_and_keeps_the_key(client, payment):
    text = '{"method": "ChangePassword", "params": {"password": "new\\u0000key"}, "id": 8}'
    assert error_code(_answer(client, text)) == -32600
    assert "result" in check_perform(client, payment)


def test_our_failure_is_32400_with_http_200(client, payment, monkeypatch):
    from fees_payme import adapter

    def database_down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(adapter, "fee_check", database_down)
    answer = check_perform(client, payment)
    assert answer["error"]["code"] == -32400
    assert answer["error"]["message"]["en"] == "System error"


def test_authenticated_calls_are_recorded_with_our_answer(client, payment):
    params, answer = create(client, payment)
    call = PaymeCall.objects.get()
    assert call.method == "CreateTransaction"
    assert call.payme_id == params["id"]
    assert call.order_id == payment.merchant_trans_id
    assert call.error is None
    assert call.response == answer
    assert json.loads(call.body)["params"]["id"] == params["id"]


# --- CheckPerformTransaction -------------------------------------------------------------


def test_check_perform_allows_a_payable_order(client, payment):
    assert check_perform(client, payment)["result"] == {"allow": True}
    assert not PaymentAttempt.objects.exists()


def test_an_integral_float_amount_is_the_integer(client, payment):
    assert check_perform(client, payment, amount=5000000.0)["result"] == {"allow": True}


@pytest.mark.parametrize("amount", [4_999_999, 5_000_001, 500_000, 50_000, 0, -5_000_000, 4_999_999.5, 5_000_000.5])
def test_a_wrong_amount_is_31001(client, payment, amount):
    answer = check_perform(client, payment, amount=amount)
    assert answer["error"]["code"] == -31001
    assert tuple(answer["error"]["message"].values()) == MESSAGES[-31001]


@pytest.mark.parametrize("amount", ["5000000", True, None, [5000000], {"a": 1}])
def test_a_mistyped_amount_is_32600(client, payment, amount):
    assert error_code(check_perform(client, payment, amount=amount)) == -32600


def test_a_missing_amount_or_account_is_32600(client, payment):
    assert error_code(rpc(client, "CheckPerformTransaction", {"account": account(payment.merchant_trans_id)})) == -32600
    assert error_code(rpc(client, "CheckPerformTransaction", {"amount": FEE_TIYIN})) == -32600
    assert error_code(rpc(client, "CheckPerformTransaction", {"amount": FEE_TIYIN, "account": "x"})) == -32600


@pytest.mark.parametrize(
    "acct",
    [
        {"order_id": "AUCTION_00000000000000000000"},  # well-formed, no such order
        {"order_id": "AUCTION_abc"},
        {"order_id": "197"},
        {"order_id": None},
        {"order_id": ["AUCTION_00000000000000000000"]},
        {},
        {"orderId": "AUCTION_00000000000000000000"},
    ],
)
def test_an_unknown_or_malformed_order_is_31050_naming_the_field(client, payment, acct):
    answer = rpc(client, "CheckPerformTransaction", {"amount": FEE_TIYIN, "account": acct})
    assert answer["error"]["code"] == -31050
    assert answer["error"]["data"] == "order_id"
    assert tuple(answer["error"]["message"].values()) == MESSAGES[-31050]


def test_extra_params_and_account_fields_are_ignored(client, payment):
    params = {"amount": FEE_TIYIN, "account": {**account(payment.merchant_trans_id), "phone": "998"}, "x": 1}
    assert rpc(client, "CheckPerformTransaction", params)["result"] == {"allow": True}


def test_a_paid_order_is_31051(client, payment):
    paid(client, payment)
    answer = check_perform(client, payment)
    assert answer["error"]["code"] == -31051
    assert answer["error"]["data"] == "order_id"
    assert tuple(answer["error"]["message"].values()) == MESSAGES[-31051]


def test_a_closed_order_is_31052(client, payment):
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    answer = check_perform(client, payment)
    assert answer["error"]["code"] == -31052
    assert answer["error"]["message"]["en"] == "Payment cancelled, start a new payment"


def test_a_pending_payme_transaction_does_not_refuse_check_perform(client, payment):
    create(client, payment)
    assert check_perform(client, payment)["result"] == {"allow": True}


# --- CreateTransaction -------------------------------------------------------------------


def test_create_reserves_the_order(client, payment):
    before = now_ms()
    params, answer = create(client, payment)
    result = answer["result"]
    attempt = PaymentAttempt.objects.get()
    assert set(result) == {"create_time", "transaction", "state", "receivers"}
    assert result["state"] == 1 and result["receivers"] is None
    assert result["transaction"] == str(attempt.pk)
    assert before <= result["create_time"] <= now_ms()
    assert attempt.gateway == "payme" and attempt.gateway_trans_id == params["id"]
    assert attempt.amount == Decimal("50000.00") and attempt.status == AttemptStatus.PREPARED
    assert attempt.hold_until is not None
    txn = PaymeTransaction.objects.get()
    assert (txn.time, txn.amount, txn.account, txn.state) == (params["time"], FEE_TIYIN, params["account"], 1)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_repeated_create_gets_the_stored_result_byte_for_byte(client, payment):
    params = create_params(payment.merchant_trans_id)
    data = payme.body("CreateTransaction", params, 1)
    first = payme.raw(client, data).content
    second = payme.raw(client, data).content
    assert first == second
    assert PaymentAttempt.objects.count() == 1


def test_a_repeat_with_another_amount_or_order_is_31008(client, payment, listing, make_listing, make_auction):
    params, _ = create(client, payment)
    other = fee_initiate(auction_id=make_auction(make_listing(listing.seller)).pk, user=listing.seller)
    assert error_code(rpc(client, "CreateTransaction", {**params, "amount": FEE_TIYIN + 100})) == -31008
    assert (
        error_code(rpc(client, "CreateTransaction", {**params, "account": account(other.merchant_trans_id)})) == -31008
    )
    assert PaymeTransaction.objects.get().state == 1


def test_a_repeat_with_a_malformed_order_is_31008_and_a_new_one_31050(client, payment):
    """§4: the repeat check comes first, so a known id with a malformed order_id is -31008."""
    params, _ = create(client, payment)
    assert error_code(rpc(client, "CreateTransaction", {**params, "account": {"order_id": "nope"}})) == -31008
    fresh = {**params, "id": "f" * 24, "account": {"order_id": "nope"}}
    answer = rpc(client, "CreateTransaction", fresh)
    assert answer["error"]["code"] == -31050 and answer["error"]["data"] == "order_id"
    assert PaymeTransaction.objects.count() == 1


def test_nan_and_infinity_are_not_json_and_the_answer_always_is(client):
    for constant in ("NaN", "Infinity", "-Infinity"):
        data = f'{{"method": "CheckTransaction", "params": {{"id": "x"}}, "id": {constant}}}'.encode()
        response = payme.raw(client, data)
        answer = json.loads(response.content)  # the answer is valid JSON
        assert answer["error"]["code"] == -32700 and answer["id"] is None


def test_a_body_with_a_utf8_bom_is_read(client, payment):
    data = "\ufeff".encode() + payme.body(
        "CheckPerformTransaction", {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    )
    assert json.loads(payme.raw(client, data).content)["result"] == {"allow": True}


def test_change_password_refuses_an_empty_or_too_long_key_and_keeps_the_old_one(client, payment):
    for password in ("", "k" * 256):
        answer = rpc(client, "ChangePassword", {"password": password})
        assert answer["error"]["code"] == -32600
    assert "result" in rpc(
        client, "CheckPerformTransaction", {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    )


def test_another_transaction_for_a_held_order_is_31053(client, payment):
    create(client, payment)
    _, answer = create(client, payment)
    assert answer["error"]["code"] == -31053
    assert answer["error"]["data"] == "order_id"
    assert answer["error"]["message"] == {
        "ru": "Заказ ожидает оплаты по другой транзакции",
        "uz": "Buyurtma boshqa tranzaksiya bo'yicha to'lovni kutmoqda",
        "en": "Order is awaiting payment in another transaction",
    }
    assert PaymeTransaction.objects.count() == 1


def test_a_create_older_than_12_hours_is_31008_and_stores_nothing(client, payment):
    _, answer = create(client, payment, time_ms=now_ms() - TWELVE_HOURS - 1000)
    assert answer["error"]["code"] == -31008
    assert answer["error"]["message"]["en"] == "Unable to perform the operation"
    assert not PaymeTransaction.objects.exists() and not PaymentAttempt.objects.exists()


def expire(tid):
    """Move a transaction's Payme `time` (and its hold) back past the 12 hours."""
    txn = PaymeTransaction.objects.get(payme_id=tid)
    txn.time -= TWELVE_HOURS + 60_000
    txn.save(update_fields=["time"])
    PaymentAttempt.objects.filter(pk=txn.attempt_id).update(hold_until=timezone.now() - timedelta(minutes=1))


def test_repeating_an_expired_create_cancels_it_with_reason_4(client, payment):
    params, _ = create(client, payment)
    expire(params["id"])
    answer = rpc(client, "CreateTransaction", params)
    assert answer["error"]["code"] == -31008
    txn = PaymeTransaction.objects.get()
    assert (txn.state, txn.reason) == (-1, 4) and txn.cancel_time > 0
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED
    # The order is payable again.
    assert "result" in create(client, payment)[1]


def test_a_new_create_cancels_an_expired_holder_and_takes_the_order(client, payment):
    first, _ = create(client, payment)
    expire(first["id"])
    _, answer = create(client, payment)
    assert answer["result"]["state"] == 1
    old = PaymeTransaction.objects.get(payme_id=first["id"])
    assert (old.state, old.reason) == (-1, 4)
    assert PaymeTransaction.objects.filter(state=1).count() == 1


def test_create_on_a_cancelled_or_performed_transaction_is_31008(client, payment, listing, make_listing, make_auction):
    params, _ = create(client, payment)
    cancel(client, params["id"])
    assert error_code(rpc(client, "CreateTransaction", params)) == -31008
    other = fee_initiate(auction_id=make_auction(make_listing(listing.seller)).pk, user=listing.seller)
    tid = paid(client, other)
    again = {**create_params(other.merchant_trans_id), "id": tid}
    assert error_code(rpc(client, "CreateTransaction", again)) == -31008


def test_create_refuses_paid_and_closed_orders_and_wrong_amounts(client, payment, listing, make_listing, make_auction):
    _, answer = create(client, payment, amount=FEE_TIYIN - 1)
    assert answer["error"]["code"] == -31001
    paid(client, payment)
    assert error_code(create(client, payment)[1]) == -31051
    closed = fee_initiate(auction_id=make_auction(make_listing(listing.seller)).pk, user=listing.seller)
    auction_cancel(auction_id=closed.auction_id, user=listing.seller)
    assert error_code(create(client, closed)[1]) == -31052
    acct = {"order_id": "AUCTION_00000000000000000000"}
    unknown = {**create_params(payment.merchant_trans_id), "account": acct}
    assert error_code(rpc(client, "CreateTransaction", unknown)) == -31050


@pytest.mark.parametrize(
    "broken",
    [{"id": 123}, {"id": ""}, {"id": None}, {"time": "now"}, {"time": None}, {"time": True}, {"amount": "5000000"}],
)
def test_create_with_a_mistyped_param_is_32600(client, payment, broken):
    params = {**create_params(payment.merchant_trans_id), **broken}
    assert error_code(rpc(client, "CreateTransaction", params)) == -32600
    assert not PaymentAttempt.objects.exists()


# --- PerformTransaction ------------------------------------------------------------------


def test_perform_pays_the_fee_and_activates_the_auction_once(client, payment):
    params, created = create(client, payment)
    before = now_ms()
    answer = perform(client, params["id"])
    result = answer["result"]
    assert set(result) == {"transaction", "perform_time", "state"}
    assert result["state"] == 2 and result["transaction"] == created["result"]["transaction"]
    assert before <= result["perform_time"] <= now_ms()
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.COMPLETED and payment.completed_at is not None
    assert auction.is_paid and auction.status == AuctionStatus.SCHEDULED
    assert PaymentAttempt.objects.get().status == AttemptStatus.COMPLETED
    # A repeat: the stored result, the same perform_time, nothing new.
    assert perform(client, params["id"]) == {**answer, "id": answer["id"] + 1}
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count() == 1


def test_perform_an_auction_already_started_makes_it_active(client, listing, make_auction):
    payment = fee_initiate(auction_id=make_auction(listing, starts_in=-timedelta(minutes=5)).pk, user=listing.seller)
    paid(client, payment)
    assert Auction.objects.get(pk=payment.auction_id).status == AuctionStatus.ACTIVE


def test_perform_unknown_is_31003(client):
    answer = perform(client, "f" * 24)
    assert answer["error"]["code"] == -31003
    assert answer["error"]["message"]["ru"] == "Транзакция не найдена"


def test_perform_a_cancelled_transaction_is_31008(client, payment):
    params, _ = create(client, payment)
    cancel(client, params["id"])
    assert error_code(perform(client, params["id"])) == -31008
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not Auction.objects.get(pk=payment.auction_id).is_paid


def test_perform_after_12_hours_cancels_with_reason_4(client, payment):
    params, _ = create(client, payment)
    expire(params["id"])
    assert error_code(perform(client, params["id"])) == -31008
    txn = PaymeTransaction.objects.get()
    assert (txn.state, txn.reason, txn.perform_time) == (-1, 4, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_perform_refuses_an_order_that_can_no_longer_be_paid_and_takes_no_money(client, payment):
    params, _ = create(client, payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    assert error_code(perform(client, params["id"])) == -31008
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert PaymeTransaction.objects.get().state == 1
    assert not FeeRefund.objects.exists()


def test_perform_refuses_when_the_auction_time_ran_out(client, payment):
    params, _ = create(client, payment)
    Auction.objects.filter(pk=payment.auction_id).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(seconds=1)
    )
    assert error_code(perform(client, params["id"])) == -31008
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not Auction.objects.get(pk=payment.auction_id).is_paid
    assert not FeeRefund.objects.exists()


# --- CancelTransaction -------------------------------------------------------------------


def test_cancel_before_perform_releases_the_order(client, payment):
    params, created = create(client, payment)
    before = now_ms()
    answer = cancel(client, params["id"], reason=3)
    result = answer["result"]
    assert set(result) == {"transaction", "cancel_time", "state"}
    assert result["state"] == -1 and result["transaction"] == created["result"]["transaction"]
    assert before <= result["cancel_time"] <= now_ms()
    txn = PaymeTransaction.objects.get()
    assert (txn.state, txn.reason) == (-1, 3)
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    # A repeat gets the stored result; the same pay link works again.
    assert cancel(client, params["id"], reason=3)["result"] == result
    assert check_perform(client, payment)["result"] == {"allow": True}
    assert "result" in create(client, payment)[1]


@pytest.mark.parametrize("reason", [1, 2, 4, 5, 10, 99, -7, 2**62, 2**63 - 1, -(2**63), 2**62 + 0.0])
def test_any_integer_reason_is_stored(client, payment, reason):
    params, _ = create(client, payment)
    assert cancel(client, params["id"], reason=reason)["result"]["state"] == -1
    assert check(client, params["id"])["result"]["reason"] == reason


@pytest.mark.parametrize("reason", [2**63, -(2**63) - 1, 10**40])
def test_a_reason_beyond_any_column_still_cancels_and_is_stored_as_unknown(client, payment, reason):
    params, _ = create(client, payment)
    assert cancel(client, params["id"], reason=reason)["result"]["state"] == -1
    assert check(client, params["id"])["result"]["reason"] == 10
    assert str(reason) in PaymeCall.objects.filter(body__contains="CancelTransaction").get().body


@pytest.mark.parametrize("reason", ["4", None, 4.5, True])
def test_a_mistyped_reason_is_32600(client, payment, reason):
    params, _ = create(client, payment)
    assert error_code(rpc(client, "CancelTransaction", {"id": params["id"], "reason": reason})) == -32600
    assert PaymeTransaction.objects.get().state == 1


def test_cancel_unknown_is_31003(client):
    assert error_code(cancel(client, "a" * 24)) == -31003


def test_cancel_after_perform_before_the_start_refunds_and_reopens_the_auction(client, payment):
    tid = paid(client, payment)
    answer = cancel(client, tid, reason=5)
    assert answer["result"]["state"] == -2
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.CANCELLED
    assert auction.status == AuctionStatus.PENDING_PAYMENT and not auction.is_paid and auction.paid_at is None
    refund = FeeRefund.objects.get()
    assert (refund.state, refund.gateway, refund.amount) == (RefundState.DONE, "payme", Decimal("50000.00"))
    assert payment.refund_status == "refunded" and not payment.needs_refund
    assert AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.FEE_REFUNDED).count() == 1
    assert cancel(client, tid, reason=5)["result"] == answer["result"]
    assert check(client, tid)["result"]["state"] == -2
    assert error_code(perform(client, tid)) == -31008
    # The auction needs a new payment, which works.
    fresh = fee_initiate(auction_id=auction.pk, user=auction.seller)
    assert fresh.pk != payment.pk
    paid(client, fresh)
    assert Auction.objects.get(pk=auction.pk).is_paid


def test_cancel_after_perform_once_the_auction_started_is_31007(client, listing, make_auction):
    payment = fee_initiate(auction_id=make_auction(listing, starts_in=-timedelta(minutes=5)).pk, user=listing.seller)
    tid = paid(client, payment)
    answer = cancel(client, tid, reason=5)
    assert answer["error"]["code"] == -31007
    assert answer["error"]["message"] == {
        "ru": "Невозможно отменить: аукцион уже начался",
        "uz": "Bekor qilib bo'lmaydi: auksion boshlangan",
        "en": "Cannot cancel: the auction has already started",
    }
    assert PaymeTransaction.objects.get().state == 2
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert Auction.objects.get(pk=payment.auction_id).is_paid
    assert not FeeRefund.objects.exists()


def test_cancel_after_perform_of_a_scheduled_auction_whose_start_passed_is_31007(client, payment):
    tid = paid(client, payment)
    Auction.objects.filter(pk=payment.auction_id).update(starts_at=timezone.now() - timedelta(seconds=1))
    assert error_code(cancel(client, tid)) == -31007


def test_a_payme_refund_the_fee_core_asks_for_waits_for_payme_then_settles(client, payment):
    tid = paid(client, payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)  # before the start: refund due
    refund = FeeRefund.objects.get()
    assert refund.gateway == "payme"
    refund_process(refund_id=refund.pk)  # what the task does after commit
    refund.refresh_from_db()
    # Payme refunds only through its CancelTransaction: the operator is told what to do.
    assert refund.state == RefundState.UNKNOWN
    assert tid in refund.note and "merchant cabinet" in refund.note
    answer = cancel(client, tid, reason=5)
    assert answer["result"]["state"] == -2
    refund.refresh_from_db()
    assert refund.state == RefundState.DONE
    payment.refresh_from_db()
    assert payment.refund_status == "refunded" and not payment.needs_refund


# --- CheckTransaction ---------------------------------------------------------------------


def test_check_transaction_follows_every_state(client, payment):
    params, created = create(client, payment)
    tid = params["id"]
    first = check(client, tid)["result"]
    assert first == {
        "create_time": created["result"]["create_time"],
        "perform_time": 0,
        "cancel_time": 0,
        "transaction": created["result"]["transaction"],
        "state": 1,
        "reason": None,
    }
    performed = perform(client, tid)["result"]
    second = check(client, tid)["result"]
    assert (second["state"], second["perform_time"], second["reason"]) == (2, performed["perform_time"], None)
    cancelled = cancel(client, tid, reason=5)["result"]
    third = check(client, tid)["result"]
    assert (third["state"], third["cancel_time"], third["reason"]) == (-2, cancelled["cancel_time"], 5)
    assert third["create_time"] == first["create_time"] and third["perform_time"] == performed["perform_time"]


def test_check_transaction_unknown_is_31003_and_changes_nothing(client, payment):
    params, _ = create(client, payment)
    expire(params["id"])
    assert error_code(check(client, "b" * 24)) == -31003
    assert check(client, params["id"])["result"]["state"] == 1  # read-only, even when expired


# --- GetStatement ---------------------------------------------------------------------------


def test_get_statement_lists_by_payme_time_inclusive(client, payment, listing, make_listing, make_auction):
    base = now_ms() - HOUR_MS
    p1, _ = create(client, payment, time_ms=base)
    cancel(client, p1["id"], reason=3)
    p2, _ = create(client, payment, time_ms=base + 1000)
    perform(client, p2["id"])
    other = fee_initiate(auction_id=make_auction(make_listing(listing.seller)).pk, user=listing.seller)
    p3, _ = create(client, other, time_ms=base + 2000)

    answer = rpc(client, "GetStatement", {"from": base, "to": base + 1000})
    transactions = answer["result"]["transactions"]
    assert [t["id"] for t in transactions] == [p1["id"], p2["id"]]
    first = transactions[0]
    assert set(first) == {
        "id", "time", "amount", "account", "create_time", "perform_time", "cancel_time",
        "transaction", "state", "reason", "receivers",
    }  # fmt: skip
    assert (first["time"], first["amount"], first["account"], first["state"], first["reason"]) == (
        base, FEE_TIYIN, p1["account"], -1, 3
    )  # fmt: skip
    assert transactions[1]["state"] == 2 and transactions[1]["perform_time"] > 0
    assert first["receivers"] is None
    everything = rpc(client, "GetStatement", {"from": base, "to": base + 2000})["result"]["transactions"]
    assert [t["id"] for t in everything] == [p1["id"], p2["id"], p3["id"]]
    assert rpc(client, "GetStatement", {"from": base + 2001, "to": base + 9000})["result"] == {"transactions": []}
    assert error_code(rpc(client, "GetStatement", {"from": "0", "to": base})) == -32600
    # A bound past any column's integers is "everything from then on", not a malformed request.
    unbounded = rpc(client, "GetStatement", {"from": base, "to": 10**20})["result"]["transactions"]
    assert [t["id"] for t in unbounded] == [p1["id"], p2["id"], p3["id"]]


# --- ChangePassword, SetFiscalData -----------------------------------------------------------


def test_change_password_makes_later_calls_use_the_new_key(client, payment):
    assert rpc(client, "ChangePassword", {"password": "new&%#key"})["result"] == {"success": True}
    assert error_code(check_perform(client, payment)) == -32504
    assert check_perform_with(client, payment, "new&%#key")["result"] == {"allow": True}
    assert error_code(rpc(client, "ChangePassword", {"password": ""}, key="new&%#key")) == -32600


def test_set_fiscal_data_is_stored(client, payment):
    params, _ = create(client, payment)
    fiscal = {"receipt_id": 12, "status_code": 0, "terminal_id": "EP000000000001"}
    answer = rpc(client, "SetFiscalData", {"id": params["id"], "type": "PERFORM", "fiscal_data": fiscal})
    assert answer["result"] == {"success": True}
    assert PaymeTransaction.objects.get().fiscal_data == {"PERFORM": fiscal}
    assert error_code(rpc(client, "SetFiscalData", {"id": "c" * 24, "type": "PERFORM", "fiscal_data": {}})) == -31003
    assert error_code(rpc(client, "SetFiscalData", {"id": params["id"], "type": "X", "fiscal_data": {}})) == -32600


# --- Across gateways ---------------------------------------------------------------------------


def test_a_click_paid_order_refuses_payme_with_31051(client, payment):
    from tests.test_click_endpoints import pay as click_pay

    assert click_pay(Client(), payment)["error"] == 0
    assert error_code(check_perform(client, payment)) == -31051
    assert error_code(create(client, payment)[1]) == -31051


def test_a_payme_paid_order_refuses_click_with_minus_4(client, payment):
    from tests.test_click_endpoints import prepare as click_prepare

    paid(client, payment)
    _, answer = click_prepare(Client(), payment)
    assert answer["error"] == -4


def test_a_payme_hold_refuses_click_prepare_and_complete(client, payment):
    from tests.test_click_endpoints import complete as click_complete
    from tests.test_click_endpoints import prepare as click_prepare

    click = Client()
    fields, prepared = click_prepare(click, payment)
    assert prepared["error"] == 0
    # Click's attempt went quiet long enough for Payme to take the order.
    PaymentAttempt.objects.filter(gateway="click").update(created_at=timezone.now() - timedelta(hours=1))
    params, created = create(client, payment)
    assert created["result"]["state"] == 1
    assert click_prepare(click, payment)[1]["error"] == -9
    assert click_complete(click, payment, fields, prepared)[1]["error"] == -9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert perform(client, params["id"])["result"]["state"] == 2
    assert AuctionPayment.objects.get(pk=payment.pk).status == PaymentStatus.COMPLETED


def test_a_click_payment_in_flight_keeps_payme_away(client, payment, settings):
    from tests.test_click_endpoints import prepare as click_prepare

    assert click_prepare(Client(), payment)[1]["error"] == 0
    assert error_code(check_perform(client, payment)) == -31053
    assert error_code(create(client, payment)[1]) == -31053
    settings.FEE_ATTEMPT_IN_FLIGHT_SECONDS = 0
    assert create(client, payment)[1]["result"]["state"] == 1


def test_a_click_charge_after_payme_paid_is_reversed_through_click(client, payment, click_merchant):
    """Click charged (its Complete never reached us) and Payme paid: Click's reconciliation
    finds the second charge, and the fee core refunds it through Click's reversal."""
    from fees.services import fee_attempt_paid_at_gateway
    from tests.test_click_endpoints import prepare as click_prepare

    _, _prepared = click_prepare(Client(), payment)
    PaymentAttempt.objects.filter(gateway="click").update(created_at=timezone.now() - timedelta(hours=1))
    paid(client, payment)
    click_attempt = PaymentAttempt.objects.get(gateway="click")
    decision = fee_attempt_paid_at_gateway(payment_id=payment.pk, attempt_id=click_attempt.pk)
    assert decision.code == "already_paid"
    refund = FeeRefund.objects.get()
    assert (refund.gateway, refund.attempt_id, refund.reason) == ("click", click_attempt.pk, "charged_twice")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert PaymeTransaction.objects.get().state == 2


def test_the_database_itself_refuses_a_second_held_transaction_for_an_order(client, payment):
    """One state-1 transaction per order is a database rule, not only the code's."""
    from django.db import IntegrityError, transaction

    params, _ = create(client, payment)
    held = PaymeTransaction.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAttempt.objects.create(
            payment=payment,
            gateway="payme",
            gateway_trans_id=payme.payme_id(),
            amount=Decimal("50000.00"),
            hold_until=timezone.now() + timedelta(hours=12),
        )
    other = PaymentAttempt.objects.create(
        payment=payment, gateway="payme", gateway_trans_id=payme.payme_id(), amount=Decimal("50000.00")
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymeTransaction.objects.create(
            attempt=other, payment=payment, payme_id=other.gateway_trans_id, time=now_ms(), amount=FEE_TIYIN,
            create_time=now_ms(), state=1,
        )  # fmt: skip
    assert held.payme_id == params["id"]


# --- The periodic job ----------------------------------------------------------------------------


def test_the_job_cancels_transactions_past_12_hours_and_prunes_the_call_log(client, payment):
    from fees_payme.tasks import payme_jobs_run

    stale, _ = create(client, payment)
    expire(stale["id"])
    PaymeCall.objects.update(created_at=timezone.now() - timedelta(days=91))
    assert payme_jobs_run() == {"expired": 1, "calls_pruned": 1}
    txn = PaymeTransaction.objects.get()
    assert (txn.state, txn.reason) == (-1, 4)
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED
    # Payme's own cancel afterwards gets the stored result; the order is payable again.
    assert cancel(client, stale["id"], reason=4)["result"] == {
        "transaction": str(txn.attempt_id),
        "cancel_time": txn.cancel_time,
        "state": -1,
    }
    assert "result" in create(client, payment)[1]
    assert payme_jobs_run()["expired"] == 0


def test_the_job_is_scheduled_and_registered(settings):
    from config.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["payme-jobs"]["task"] == "fees_payme.tasks.payme_jobs"
    app.loader.import_default_modules()
    assert "fees_payme.tasks.payme_jobs" in app.tasks


# --- what the audit of merchant-api.md found -------------------------------------------------------


def test_a_call_without_an_id_is_32600_and_does_nothing(client, payment):
    params = create_params(payment.merchant_trans_id)
    for request in (
        {"method": "CreateTransaction", "params": params},
        {"method": "CreateTransaction", "params": params, "id": None},
    ):
        answer = json.loads(payme.raw(client, json.dumps(request).encode()).content)
        assert answer["id"] is None
        assert answer["error"]["code"] == -32600 and answer["error"]["data"] == "id"
    assert not PaymeTransaction.objects.exists()
    assert not PaymentAttempt.objects.exists()


def test_an_unknown_method_is_32601_with_or_without_params(client):
    for request in ({"method": "NoSuchMethod", "id": 9}, {"method": "NoSuchMethod", "params": [], "id": 9}):
        answer = json.loads(payme.raw(client, json.dumps(request).encode()).content)
        assert answer["id"] == 9
        assert answer["error"]["code"] == -32601 and answer["error"]["data"] == "NoSuchMethod"


def test_a_wrong_amount_is_31001_before_paid_or_closed(client, payment):
    # §4: order missing → -31050; amount wrong → -31001; paid → -31051; closed → -31052.
    params = create_params(payment.merchant_trans_id)
    assert "result" in rpc(client, "CreateTransaction", params)
    assert "result" in rpc(client, "PerformTransaction", {"id": params["id"]})
    wrong = {"amount": 100, "account": account(payment.merchant_trans_id)}
    assert error_code(rpc(client, "CheckPerformTransaction", wrong)) == -31001
    assert error_code(rpc(client, "CreateTransaction", create_params(payment.merchant_trans_id, amount=100))) == -31001
    right = {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    assert error_code(rpc(client, "CheckPerformTransaction", right)) == -31051


def test_a_wrong_amount_for_a_cancelled_order_is_31001_and_the_right_one_31052(client, payment):
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    wrong = {"amount": 100, "account": account(payment.merchant_trans_id)}
    assert error_code(rpc(client, "CheckPerformTransaction", wrong)) == -31001
    right = {"amount": FEE_TIYIN, "account": account(payment.merchant_trans_id)}
    assert error_code(rpc(client, "CheckPerformTransaction", right)) == -31052


def test_the_database_down_still_checks_the_header_first_and_echoes_the_id(client, monkeypatch):
    from paymeuz import views

    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "current_key", database_down)
    data = b'{"method": "CheckTransaction", "params": {"id": "aaaaaaaaaaaaaaaaaaaaaaaa"}, "id": 77}'
    answer = json.loads(payme.raw(client, data).content)
    assert (answer["id"], answer["error"]["code"]) == (77, -32400)
    for key in (None, "no-colon-here"):
        headers = {} if key is None else {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
        refused = json.loads(payme.raw(client, data, key=None, headers=headers).content)
        assert (refused["id"], refused["error"]["code"]) == (77, -32504)


def test_change_password_keeps_the_new_key_out_of_the_call_log(client):
    new_key = "N3w&Key%#?@"
    assert rpc(client, "ChangePassword", {"password": new_key})["result"] == {"success": True}
    call = PaymeCall.objects.get(method="ChangePassword")
    assert new_key not in call.body
    assert json.loads(call.body)["params"] == {"password": "[redacted]"}
    # The key itself took effect.
    assert error_code(rpc(client, "CheckTransaction", {"id": "a" * 24}, key=new_key)) == -31003

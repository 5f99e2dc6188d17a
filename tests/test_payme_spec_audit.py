"""An independent audit of the Payme endpoint against merchant-api.md, called as Payme calls it
(tests/payme.py: raw body, Basic auth, HTTP 200 and JSON asserted on every answer). Only what
tests/test_payme_endpoint.py does not already pin down is kept here."""

import base64
import json
import time

import pytest
from django.test import Client

from auctions.models import Auction
from fees.models import AuctionPayment
from paymeuz.errors import PaymeError
from tests.payme import FEE_TIYIN, HOUR_MS, KEY, URL, account, body, create_params, error_code, now_ms, payme_id, rpc

pytestmark = pytest.mark.django_db

TIMEOUT_MS = 43_200_000

# merchant-api.md §3, to the letter.
MESSAGES = {
    -32700: ("Ошибка разбора JSON", "JSON tahlilida xatolik", "JSON parse error"),
    -32600: ("Неверный RPC-запрос", "Noto'g'ri RPC so'rov", "Invalid RPC request"),
    -32601: ("Метод не найден", "Metod topilmadi", "Method not found"),
    -32504: (
        "Недостаточно привилегий для выполнения метода",
        "Metodni bajarish uchun huquqlar yetarli emas",
        "Insufficient privileges to perform the method",
    ),
    -32400: ("Системная ошибка", "Tizim xatosi", "System error"),
    -32300: ("Метод запроса должен быть POST", "So'rov usuli POST bo'lishi kerak", "Request method must be POST"),
    -31001: ("Неверная сумма", "Noto'g'ri summa", "Incorrect amount"),
    -31003: ("Транзакция не найдена", "Tranzaksiya topilmadi", "Transaction not found"),
    -31007: (
        "Невозможно отменить: аукцион уже начался",
        "Bekor qilib bo'lmaydi: auksion boshlangan",
        "Cannot cancel: the auction has already started",
    ),
    -31008: ("Невозможно выполнить операцию", "Ushbu amalni bajarib bo'lmaydi", "Unable to perform the operation"),
    -31050: ("Заказ не найден", "Buyurtma topilmadi", "Order not found"),
    -31051: ("Заказ уже оплачен", "Buyurtma allaqachon to'langan", "Order is already paid"),
    -31052: (
        "Платёж отменён, начните новый платёж",
        "To'lov bekor qilingan, yangi to'lov boshlang",
        "Payment cancelled, start a new payment",
    ),
    -31053: (
        "Заказ ожидает оплаты по другой транзакции",
        "Buyurtma boshqa tranzaksiya bo'yicha to'lovni kutmoqda",
        "Order is awaiting payment in another transaction",
    ),
}


def err(answer, code):
    """The answer is exactly the spec's error `code`, with its message object to the letter."""
    assert "result" not in answer and error_code(answer) == code, answer
    ru, uz, en = MESSAGES[code]
    assert answer["error"]["message"] == {"ru": ru, "uz": uz, "en": en}
    if -31099 <= code <= -31050:
        assert answer["error"]["data"] == "order_id"
    return answer["error"]


def ok(answer):
    assert "error" not in answer, answer
    return answer["result"]


def check(client, tid):
    return ok(rpc(client, "CheckTransaction", {"id": tid}))


def is_ms(value):
    return type(value) is int and len(str(value)) == 13


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def order(payment) -> str:
    return payment.merchant_trans_id


def test_every_code_of_the_spec_has_its_message_to_the_letter():
    assert {int(code): tuple(code.message.values()) for code in PaymeError} == MESSAGES
    assert all(list(code.message) == ["ru", "uz", "en"] for code in PaymeError)


def _basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


@pytest.mark.parametrize(
    "authorization",
    [
        _basic(b"paycom:" + KEY.encode()),  # the login is "Paycom", exactly
        _basic(b"Paycom:\xff\xfe" + KEY.encode()),  # not even UTF-8
        _basic(b"Paycom:" + KEY.encode())[:-3],  # base64 cut short
        "Basic",
        "",
    ],
)
def test_auth_refused_before_anything_else(client, order, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization}
    params = create_params(order)
    for data in (body("CreateTransaction", params, request_id=7), b"{not json", body("NoSuchMethod", {}, 7)):
        response = client.post(URL, data=data, content_type="text/json; charset=UTF-8", **headers)
        assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=UTF-8"
        err(json.loads(response.content), -32504)
    err(rpc(client, "CheckTransaction", {"id": params["id"]}), -31003)  # nothing was stored


@pytest.mark.parametrize("method", ["checktransaction", "CheckTransaction ", "GetStatements"])
def test_method_names_are_exact(client, method):
    assert err(rpc(client, method, {"id": payme_id()}), -32601)["data"] == method


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("PerformTransaction", {}),
        ("PerformTransaction", {"id": 5}),
        ("CancelTransaction", {"id": "a" * 24}),
        ("CancelTransaction", {"reason": 1}),
        ("CheckTransaction", {}),
        ("CheckTransaction", {"id": ["a"]}),
        ("GetStatement", {"from": 1}),
        ("GetStatement", {"to": 1}),
        ("GetStatement", {"from": 1, "to": None}),
        ("GetStatement", {"from": False, "to": 2}),
        ("ChangePassword", {}),
        ("ChangePassword", {"password": 12345}),
        ("ChangePassword", {"password": None}),
        ("CreateTransaction", {"id": "a" * 24, "time": 1, "amount": FEE_TIYIN}),
    ],
)
def test_missing_or_mistyped_params_are_32600(client, method, params):
    err(rpc(client, method, params), -32600)


def test_the_12_hours_run_from_paymes_time_by_the_clock_alone(client, order):
    """No stored row is edited: a transaction created just inside the 12 hours runs out by itself."""
    err(rpc(client, "CreateTransaction", create_params(order, time_ms=now_ms() - TIMEOUT_MS - 1000)), -31008)
    params = create_params(order, time_ms=now_ms() - TIMEOUT_MS + 4000)  # room for a slow CI box
    created = ok(rpc(client, "CreateTransaction", params))
    assert ok(rpc(client, "CreateTransaction", params)) == created
    time.sleep(max(0.0, (params["time"] + TIMEOUT_MS - now_ms()) / 1000) + 0.3)
    err(rpc(client, "CreateTransaction", params), -31008)
    state = check(client, params["id"])
    assert (state["state"], state["reason"], state["perform_time"]) == (-1, 4, 0) and is_ms(state["cancel_time"])
    err(rpc(client, "PerformTransaction", {"id": params["id"]}), -31008)
    assert check(client, params["id"]) == state
    assert AuctionPayment.objects.get(merchant_trans_id=order).status == "pending"
    assert ok(rpc(client, "CreateTransaction", create_params(order)))["state"] == 1


def test_a_cancel_repeat_with_another_reason_gets_the_stored_result(client, order):
    params = create_params(order)
    ok(rpc(client, "CreateTransaction", params))
    cancelled = ok(rpc(client, "CancelTransaction", {"id": params["id"], "reason": 42}))
    time.sleep(0.01)
    assert ok(rpc(client, "CancelTransaction", {"id": params["id"], "reason": 3})) == cancelled
    assert check(client, params["id"])["reason"] == 42


def test_a_refunded_order_is_closed_to_payme(client, order):
    params = create_params(order)
    ok(rpc(client, "CreateTransaction", params))
    ok(rpc(client, "PerformTransaction", {"id": params["id"]}))
    assert ok(rpc(client, "CancelTransaction", {"id": params["id"], "reason": 5}))["state"] == -2
    err(rpc(client, "CheckPerformTransaction", {"amount": FEE_TIYIN, "account": account(order)}), -31052)
    err(rpc(client, "CreateTransaction", create_params(order)), -31052)
    err(rpc(client, "CreateTransaction", params), -31008)
    payment = AuctionPayment.objects.get(merchant_trans_id=order)
    assert Auction.objects.get(pk=payment.auction_id).status == "pending_payment"


def test_statement_rows_are_what_was_sent_and_answered(client, order, make_auction, make_listing, seller):
    from fees.services import fee_initiate

    base = now_ms() - 5 * HOUR_MS  # hours off our clock: only Payme's time counts
    other = fee_initiate(auction_id=make_auction(make_listing(seller)).pk, user=seller).merchant_trans_id
    first = create_params(other, time_ms=base) | {"account": {"order_id": other, "phone": "998901234567"}}
    second = create_params(order, time_ms=base + 2000)
    created = ok(rpc(client, "CreateTransaction", first))
    ok(rpc(client, "CreateTransaction", second))
    cancelled = ok(rpc(client, "CancelTransaction", {"id": first["id"], "reason": 10}))
    err(rpc(client, "CreateTransaction", create_params(order, time_ms=base + 1000)), -31053)  # refused: not listed
    rows = ok(rpc(client, "GetStatement", {"from": base, "to": base + 2000}))["transactions"]
    assert [row["id"] for row in rows] == [first["id"], second["id"]]
    assert rows[0] == {
        "id": first["id"],
        "time": base,
        "amount": FEE_TIYIN,
        "account": first["account"],
        "create_time": created["create_time"],
        "perform_time": 0,
        "cancel_time": cancelled["cancel_time"],
        "transaction": created["transaction"],
        "state": -1,
        "reason": 10,
        "receivers": None,
    }


def test_change_password_twice(client, order):
    params = {"amount": FEE_TIYIN, "account": account(order)}
    assert ok(rpc(client, "ChangePassword", {"password": "n3w&%#?@:key"})) == {"success": True}
    err(rpc(client, "ChangePassword", {"password": "x"}), -32504)  # the old key no longer changes it
    assert ok(rpc(client, "ChangePassword", {"password": "third"}, key="n3w&%#?@:key")) == {"success": True}
    err(rpc(client, "CheckPerformTransaction", params, key="n3w&%#?@:key"), -32504)
    err(rpc(client, "CheckPerformTransaction", params), -32504)
    assert ok(rpc(client, "CheckPerformTransaction", params, key="third")) == {"allow": True}

"""A property-based fuzzer of the Payme endpoint.

Hypothesis builds calls from real ones (CheckPerform and Create of an open fee, Perform,
Check and Cancel of a created transaction, a performed one, GetStatement) and mutates
them: params dropped or replaced with junk of every JSON type (huge numbers, fractions,
strings of digits, nulls, lists, objects), other orders and ids, other methods, extra
params; then sends them with the right key, a wrong one or none, with one of Payme's
content types. Raw junk bodies too.

For every call: HTTP 200, `application/json; charset=UTF-8`, a JSON-RPC answer with our
request's id, and either a result or an error whose code is Payme's and whose message is
the {ru, uz, en} object. A call answered with an error changes nothing (payments,
attempts, auctions, Payme transactions, events); a call without the right key is -32504
and is not even logged. Each example runs in a savepoint rolled back afterwards."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auctions.models import Auction, AuctionEvent
from fees.models import AuctionPayment, PaymentAttempt
from fees_payme.models import PaymeTransaction
from paymeuz.errors import PaymeError
from paymeuz.models import PaymeCall
from paymeuz.protocol import authorization_header
from tests.payme import FEE_TIYIN, KEY, URL, create_params, now_ms, rpc

CODES = {int(code) for code in PaymeError}
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["5000000", "AUCTION_", "", "null", "٥٠٠٠٠٠٠", "0" * 24, "f" * 65, "\x00"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)
PLAUSIBLE = st.sampled_from(
    ["@open_order", "@paid_order", "@created_id", "@performed_id", 5_000_000, 5_000_000.0, 4_999_999, 0, 3, 4, 5]
)
PARAMS = ["id", "time", "amount", "account", "reason", "from", "to", "password", "order_id"]
MUTATIONS = st.dictionaries(st.sampled_from(PARAMS), st.one_of(JUNK, PLAUSIBLE, PLAUSIBLE), max_size=3)
METHODS = [
    "CheckPerformTransaction",
    "CreateTransaction",
    "PerformTransaction",
    "CancelTransaction",
    "CheckTransaction",
    "GetStatement",
    "SetFiscalData",
    "Unknown",
]


def snapshot() -> tuple:
    return (
        sorted(AuctionPayment.objects.values_list("pk", "status", "needs_refund", "completed_at")),
        sorted(PaymentAttempt.objects.values_list("pk", "status", "hold_until", "finished_at")),
        sorted(Auction.objects.values_list("pk", "status", "is_paid", "paid_at")),
        sorted(PaymeTransaction.objects.values_list("pk", "state", "reason", "perform_time", "cancel_time")),
        AuctionEvent.objects.count(),
    )


@pytest.fixture
def payme_world(seller, make_listing, make_auction, payment):
    """An open fee with a created Payme transaction, and another fee performed through Payme."""
    from fees.services import fee_initiate

    client = Client(enforce_csrf_checks=True)
    created = create_params(payment.merchant_trans_id)
    assert rpc(client, "CreateTransaction", created)["result"]["state"] == 1
    other = fee_initiate(auction_id=make_auction(make_listing(seller), starts_in=timedelta(hours=2)).pk, user=seller)
    performed = create_params(other.merchant_trans_id)
    assert rpc(client, "CreateTransaction", performed)["result"]["state"] == 1
    assert rpc(client, "PerformTransaction", {"id": performed["id"]})["result"]["state"] == 2
    values = {
        "@open_order": payment.merchant_trans_id,
        "@paid_order": other.merchant_trans_id,
        "@created_id": created["id"],
        "@performed_id": performed["id"],
    }
    account = {"order_id": payment.merchant_trans_id}
    bases = {
        "CheckPerformTransaction": {"amount": FEE_TIYIN, "account": account},
        "CreateTransaction": {"id": created["id"], "time": created["time"], "amount": FEE_TIYIN, "account": account},
        "PerformTransaction": {"id": created["id"]},
        "CancelTransaction": {"id": performed["id"], "reason": 5},
        "CheckTransaction": {"id": created["id"]},
        "GetStatement": {"from": now_ms() - 60_000, "to": now_ms() + 60_000},
        "SetFiscalData": {"id": created["id"], "type": "PERFORM", "fiscal_data": {"receipt_id": 1}},
        "Unknown": {},
    }
    return {"client": client, "values": values, "bases": bases}


def send(client: Client, body: bytes, *, key: str | None, content_type: str) -> dict:
    extra = {"HTTP_AUTHORIZATION": authorization_header(key)} if key is not None else {}
    response = client.post(URL, data=body, content_type=content_type, **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=UTF-8"
    answer = json.loads(response.content)
    assert answer["jsonrpc"] == "2.0"
    assert ("result" in answer) != ("error" in answer), answer
    if "error" in answer:
        assert answer["error"]["code"] in CODES, answer
        assert set(answer["error"]["message"]) == {"ru", "uz", "en"}
    return answer


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    method=st.sampled_from(METHODS),
    as_method=st.sampled_from([None, None, None, *METHODS]),
    mutations=MUTATIONS,
    key=st.sampled_from(["right", "right", "right", "wrong", "none"]),
    content_type=st.sampled_from(["text/json; charset=UTF-8", "application/json", "text/plain"]),
    request_id=st.one_of(st.integers(), st.text(max_size=5), st.none()),
)
def test_mutated_payme_calls(payme_world, method, as_method, mutations, key, content_type, request_id):
    params = dict(payme_world["bases"][method])
    for name, value in mutations.items():
        value = payme_world["values"].get(value, value) if isinstance(value, str) else value
        if name == "order_id":
            params["account"] = {"order_id": value}
        else:
            params[name] = value
    body = json.dumps({"method": as_method or method, "params": params, "id": request_id}).encode()
    keys = {"right": KEY, "wrong": "not-the-key", "none": None}
    with transaction.atomic():
        before, calls = snapshot(), PaymeCall.objects.count()
        answer = send(payme_world["client"], body, key=keys[key], content_type=content_type)
        after = snapshot()
        logged = PaymeCall.objects.count() - calls
        transaction.set_rollback(True)
    assert answer["id"] == request_id
    if key != "right":
        assert answer["error"]["code"] == -32504 and logged == 0
    if "error" in answer:
        assert after == before, (answer, body)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_junk_bodies_get_a_json_rpc_error(payme_world, body):
    with transaction.atomic():
        before = snapshot()
        answer = send(payme_world["client"], body, key=KEY, content_type="text/json")
        after = snapshot()
        transaction.set_rollback(True)
    if "error" in answer:
        assert after == before

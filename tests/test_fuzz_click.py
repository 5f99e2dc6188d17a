"""A property-based fuzzer of Click's two callback URLs (Prepare and Complete).

Hypothesis builds requests from real ones (a Prepare of an open fee, a Prepare of a
paid one, a Complete of a prepared attempt) and mutates them: fields dropped or
replaced with junk (huge numbers, other scripts' digits, NUL, exponents, empty),
extra fields, the wrong endpoint, other encodings, raw bytes, and then either keeps
the old signature, signs with the right secret, with a wrong one, or drops it.

For every request: HTTP 200, a JSON object with an integer Click error code and its
verbatim note. A request we refuse (error != 0) changes nothing: the same payments,
attempts, auctions (status, paid) and events. A request that is not correctly signed
is always refused. Each example runs in a savepoint rolled back afterwards, so the
world is the same for every example.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auctions.models import Auction, AuctionEvent
from clickuz.signing import sign_string
from fees.models import AttemptStatus, AuctionPayment, PaymentAttempt
from tests.test_click_endpoints import (
    COMPLETE_URL,
    NOTES,
    PREPARE_URL,
    SECRET,
    complete_fields,
    encode,
    prepare_fields,
)

FIELDS = [
    "click_trans_id",
    "service_id",
    "click_paydoc_id",
    "merchant_trans_id",
    "merchant_prepare_id",
    "amount",
    "action",
    "error",
    "error_note",
    "sign_time",
    "sign_string",
]
JUNK = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "-5017",
            "1e3",
            "NaN",
            "Infinity",
            "50000",
            "50000.00",
            "50000.001",
            " 50000",
            "٥٠٠٠٠",
            "５００００",
            "50000\x00",
            "null",
            "9" * 30,
            "2026-13-45 25:61:61",
            "+1",
            "0x10",
        ]
    ),
)
# Values that are valid somewhere else: another order's id, another attempt, a near amount.
# "@name" is replaced by the world's real value when the request is built.
PLAUSIBLE = st.sampled_from(
    [
        "@open_mtid",
        "@paid_mtid",
        "@attempt_id",
        "@attempt_click_id",
        "@other_click_id",
        "50000.0",
        "49999.99",
        "50000.01",
        "-5017",
        "-1",
        "0",
        "1",
        "12345",
        "54321",
        "unknown-order",
    ]
)
MUTATIONS = st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.none(), JUNK, PLAUSIBLE, PLAUSIBLE), max_size=3)
EXTRAS = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=3)


def snapshot() -> tuple:
    """What a refused request must not change."""
    return (
        sorted(AuctionPayment.objects.values_list("pk", "status", "needs_refund", "completed_at")),
        sorted(PaymentAttempt.objects.values_list("pk", "status", "gateway_error", "finished_at")),
        sorted(Auction.objects.values_list("pk", "status", "is_paid", "paid_at")),
        AuctionEvent.objects.count(),
    )


def correctly_signed(fields: dict[str, str]) -> bool:
    complete = fields.get("action") == "1"
    try:
        expected = sign_string(
            click_trans_id=fields["click_trans_id"],
            service_id=fields["service_id"],
            secret_key=SECRET,
            merchant_trans_id=fields["merchant_trans_id"],
            merchant_prepare_id=fields["merchant_prepare_id"] if complete else None,
            amount=fields["amount"],
            action=fields["action"],
            sign_time=fields["sign_time"],
        )
    except KeyError:
        return False
    return fields.get("sign_string", "").strip().lower() == expected


def resigned(fields: dict[str, str], secret: str) -> dict[str, str]:
    complete = fields.get("action") == "1"
    signed = dict(fields)
    signed["sign_string"] = sign_string(
        click_trans_id=fields.get("click_trans_id", ""),
        service_id=fields.get("service_id", ""),
        secret_key=secret,
        merchant_trans_id=fields.get("merchant_trans_id", ""),
        merchant_prepare_id=fields.get("merchant_prepare_id", "") if complete else None,
        amount=fields.get("amount", ""),
        action=fields.get("action", ""),
        sign_time=fields.get("sign_time", ""),
    )
    return signed


@pytest.fixture
def click_world(seller, make_listing, make_paid_auction, payment):
    """An open fee with one prepared attempt, and an auction whose fee is paid."""
    client = Client(enforce_csrf_checks=True)
    paid = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5))
    paid_payment = paid.payments.get()
    prepared = prepare_fields(payment.merchant_trans_id)
    body, content_type = encode(prepared)
    answer = client.post(PREPARE_URL, data=body, content_type=content_type).json()
    assert answer["error"] == 0
    attempt = PaymentAttempt.objects.get(pk=answer["merchant_prepare_id"])
    return {
        "client": client,
        "values": {
            "@open_mtid": payment.merchant_trans_id,
            "@paid_mtid": paid_payment.merchant_trans_id,
            "@attempt_id": str(attempt.pk),
            "@attempt_click_id": attempt.gateway_trans_id,
            "@other_click_id": str(int(attempt.gateway_trans_id) + 1),
        },
        "bases": {
            "prepare-open": (PREPARE_URL, prepare_fields(payment.merchant_trans_id)),
            "prepare-paid": (PREPARE_URL, prepare_fields(paid_payment.merchant_trans_id)),
            "complete-prepared": (
                COMPLETE_URL,
                complete_fields(
                    payment.merchant_trans_id,
                    click_trans_id=attempt.gateway_trans_id,
                    merchant_prepare_id=attempt.pk,
                ),
            ),
            # Click telling us the payment failed on its side (error < 0).
            "complete-failed": (
                COMPLETE_URL,
                complete_fields(
                    payment.merchant_trans_id,
                    click_trans_id=attempt.gateway_trans_id,
                    merchant_prepare_id=attempt.pk,
                    error="-5017",
                    error_note="Insufficient funds",
                ),
            ),
        },
    }


def send(client: Client, url: str, body: bytes, content_type: str) -> dict:
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert isinstance(answer, dict)
    assert type(answer["error"]) is int and answer["error"] in NOTES
    assert answer["error_note"] == NOTES[answer["error"]]
    return answer


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    base=st.sampled_from(["prepare-open", "prepare-paid", "complete-prepared", "complete-failed"]),
    mutations=MUTATIONS,
    extras=EXTRAS,
    signing=st.sampled_from(["resign", "resign", "resign", "keep", "wrong-secret", "drop"]),
    encoding=st.sampled_from(["form", "json", "json-numbers"]),
    swap_url=st.sampled_from([False, False, False, True]),
)
def test_mutated_click_requests(click_world, base, mutations, extras, signing, encoding, swap_url):
    url, fields = click_world["bases"][base]
    fields = dict(fields)
    for name, value in mutations.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = click_world["values"].get(value, value)
    for name, value in extras.items():
        fields.setdefault(name, value)
    if signing == "resign":
        fields = resigned(fields, SECRET)
    elif signing == "wrong-secret":
        fields = resigned(fields, "not-the-secret")
    elif signing == "drop":
        fields.pop("sign_string", None)
    if swap_url:
        url = COMPLETE_URL if url == PREPARE_URL else PREPARE_URL
    body, content_type = encode(fields, encoding)
    signed = correctly_signed(fields)
    with transaction.atomic():
        before = snapshot()
        answer = send(click_world["client"], url, body, content_type)
        after = snapshot()
        transaction.set_rollback(True)
    if not signed:
        assert answer["error"] != 0
    if answer["error"] != 0:
        if after != before and signed and fields.get("action") == "1" and fields.get("error", "0") != "0":
            # The one change a refused request may make: Click's own "payment failed" notice,
            # correctly signed, cancels the prepared attempt (and nothing else).
            assert before[0] == after[0] and before[2] == after[2] and before[3] == after[3]
            changed = [(old, new) for old, new in zip(before[1], after[1], strict=True) if old != new]
            assert len(changed) == 1, changed
            ((old, new),) = changed
            assert (old[1], new[1]) == (AttemptStatus.PREPARED, AttemptStatus.CANCELLED)
            assert new[2] == int(fields["error"]) != 0
        else:
            assert after == before, (answer, fields)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=200).map(str.encode),
        st.dictionaries(st.text(max_size=15), st.text(max_size=30), max_size=12).map(lambda d: urlencode(d).encode()),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
            ),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data", ""]
    ),
    url=st.sampled_from([PREPARE_URL, COMPLETE_URL]),
)
def test_random_bodies_are_refused_and_change_nothing(click_world, body, content_type, url):
    with transaction.atomic():
        before = snapshot()
        answer = send(click_world["client"], url, body, content_type)
        after = snapshot()
        transaction.set_rollback(True)
    assert answer["error"] != 0
    assert after == before

"""The Click callback URLs over HTTP, as Click calls them (shop-api.md §1-§6).

Every request goes through Django's test client to the real URLs, with a
real database; the `post` helper also checks, for every single request, the
answer's shape (§4), the verbatim note (§5) and the stored ClickCallback row.
"""

import itertools
import json
import re
import time
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from auctions import lifecycle
from auctions.lifecycle import auction_cancel
from auctions.models import Auction, AuctionEvent, AuctionStatus
from clickuz.models import ClickCallback
from clickuz.signing import sign_string
from fees.models import AttemptStatus, AuctionPayment, PaymentAttempt, PaymentStatus
from fees.services import fee_initiate
from fees_click import adapter

PREPARE_URL = "/api/auctions/click/prepare/"
COMPLETE_URL = "/api/auctions/click/complete/"
SERVICE_ID = "12345"
SECRET = "test-click-secret"
FEE = "50000.00"
FORM = "application/x-www-form-urlencoded"

# shop-api.md §5, verbatim.
NOTES = {
    0: "Success",
    -1: "SIGN CHECK FAILED!",
    -2: "Incorrect parameter amount",
    -3: "Action not found",
    -4: "Already paid",
    -5: "User does not exist",
    -6: "Transaction does not exist",
    -7: "Failed to update user",
    -8: "Error in request from click",
    -9: "Transaction cancelled",
}
PREPARE_KEYS = {"click_trans_id", "merchant_trans_id", "merchant_prepare_id", "error", "error_note"}
COMPLETE_KEYS = {"click_trans_id", "merchant_trans_id", "merchant_confirm_id", "error", "error_note"}
# Fields sent as JSON numbers by `encode(..., "json-numbers")`.
NUMERIC_FIELDS = {
    "click_trans_id",
    "service_id",
    "click_paydoc_id",
    "merchant_prepare_id",
    "amount",
    "action",
    "error",
}
TASHKENT = ZoneInfo("Asia/Tashkent")
ENCODINGS = ["form", "json", "json-numbers"]

_click_ids = itertools.count(4_100_000_001)


def next_click_trans_id() -> str:
    return str(next(_click_ids))


def now_sign_time() -> str:
    return datetime.now(TASHKENT).strftime("%Y-%m-%d %H:%M:%S")


# --- building requests ---------------------------------------------------------------


def resign(fields: dict[str, str], *, secret: str = SECRET) -> dict[str, str]:
    """Sign `fields` as Click does: the formula follows the `action` it carries."""
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


def prepare_fields(
    merchant_trans_id: str, *, click_trans_id: str | None = None, amount: str = FEE, secret: str = SECRET, **extra: str
) -> dict[str, str]:
    fields = {
        "click_trans_id": click_trans_id or next_click_trans_id(),
        "service_id": SERVICE_ID,
        "click_paydoc_id": "5550001",
        "merchant_trans_id": merchant_trans_id,
        "amount": amount,
        "action": "0",
        "error": "0",
        "error_note": "Success",
        "sign_time": now_sign_time(),
    } | extra
    return resign(fields, secret=secret)


def complete_fields(
    merchant_trans_id: str,
    *,
    click_trans_id: str,
    merchant_prepare_id: int | str,
    amount: str = FEE,
    error: str = "0",
    error_note: str = "Success",
    secret: str = SECRET,
    **extra: str,
) -> dict[str, str]:
    fields = {
        "click_trans_id": click_trans_id,
        "service_id": SERVICE_ID,
        "click_paydoc_id": "5550001",
        "merchant_trans_id": merchant_trans_id,
        "merchant_prepare_id": str(merchant_prepare_id),
        "amount": amount,
        "action": "1",
        "error": error,
        "error_note": error_note,
        "sign_time": now_sign_time(),
    } | extra
    return resign(fields, secret=secret)


def encode(fields: dict[str, str], encoding: str = "form") -> tuple[bytes, str]:
    if encoding == "form":
        return urlencode(fields).encode(), FORM
    if encoding == "json":
        return json.dumps(fields, ensure_ascii=False).encode(), "application/json"
    if encoding == "json-numbers":
        items = [
            f"{json.dumps(key)}: {value}"
            if key in NUMERIC_FIELDS and re.fullmatch(r"-?\d+(\.\d+)?", value)
            else f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
            for key, value in fields.items()
        ]
        return ("{" + ", ".join(items) + "}").encode(), "application/json"
    raise AssertionError(encoding)


# --- sending them ------------------------------------------------------------------------


@pytest.fixture
def client() -> Client:
    # CSRF enforced as in production: the signature must be the only gate.
    return Client(enforce_csrf_checks=True)


def raw_post(
    client: Client, url: str, body: bytes, content_type: str = FORM, *, method: str = "post"
) -> dict[str, object]:
    """Send any request; check the §1/§4/§5 contract and the ClickCallback row."""
    before = ClickCallback.objects.count()
    if method == "post":
        response = client.post(url, data=body, content_type=content_type)
    else:
        response = getattr(client, method)(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert isinstance(answer, dict)
    is_prepare = "/prepare" in url
    assert set(answer) == (PREPARE_KEYS if is_prepare else COMPLETE_KEYS)
    assert type(answer["error"]) is int
    assert answer["error"] in NOTES
    assert answer["error_note"] == NOTES[answer["error"]]
    own_id = answer["merchant_prepare_id" if is_prepare else "merchant_confirm_id"]
    assert own_id is None or type(own_id) is int
    if answer["error"] == 0:
        assert type(own_id) is int
        assert 0 < own_id < 2**31  # a primary key, not a timestamp

    # Every request leaves exactly one log row with what came and what we said.
    assert ClickCallback.objects.count() == before + 1
    row = ClickCallback.objects.order_by("-id").first()
    assert row.stage == ("prepare" if is_prepare else "complete")
    assert row.method == method.upper()
    assert row.body == (body.decode("utf-8", errors="replace") if method == "post" else "")
    assert row.response == answer
    assert row.error == answer["error"]
    assert row.duration_ms is not None
    return answer


def post(client: Client, url: str, fields: dict[str, str], encoding: str = "form") -> dict[str, object]:
    body, content_type = encode(fields, encoding)
    answer = raw_post(client, url, body, content_type)
    # Ids are echoed, errors included.
    click_trans_id = fields.get("click_trans_id")
    if click_trans_id is not None and re.fullmatch(r"\d{1,18}", click_trans_id):
        assert answer["click_trans_id"] == int(click_trans_id)
    elif click_trans_id:
        assert str(answer["click_trans_id"]) == click_trans_id
    if "merchant_trans_id" in fields:
        assert answer["merchant_trans_id"] == fields["merchant_trans_id"]
    return answer


def prepare(client: Client, payment: AuctionPayment, encoding: str = "form", **kwargs) -> tuple[dict, dict]:
    fields = prepare_fields(payment.merchant_trans_id, **kwargs)
    return fields, post(client, PREPARE_URL, fields, encoding)


def complete_request(payment: AuctionPayment, prepared: dict, prepare_answer: dict, **kwargs) -> dict[str, str]:
    """The Complete that follows a Prepare (`prepared`) and its answer."""
    return complete_fields(
        payment.merchant_trans_id,
        click_trans_id=prepared["click_trans_id"],
        merchant_prepare_id=prepare_answer["merchant_prepare_id"],
        **kwargs,
    )


def complete(
    client: Client, payment: AuctionPayment, prepared: dict, prepare_answer: dict, encoding: str = "form", **kwargs
) -> tuple[dict, dict]:
    fields = complete_request(payment, prepared, prepare_answer, **kwargs)
    return fields, post(client, COMPLETE_URL, fields, encoding)


def prepared_attempt(client: Client, payment: AuctionPayment) -> tuple[dict, dict]:
    fields, answer = prepare(client, payment)
    assert answer["error"] == 0, answer
    return fields, answer


def pay(client: Client, payment: AuctionPayment) -> dict:
    fields, answer = prepared_attempt(client, payment)
    _, done = complete(client, payment, fields, answer)
    assert done["error"] == 0, done
    return done


def paid_events(auction: Auction) -> int:
    return AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID).count()


def assert_unpaid(payment: AuctionPayment) -> None:
    payment.refresh_from_db()
    payment.auction.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.completed_at is None
    assert payment.auction.status == AuctionStatus.PENDING_PAYMENT
    assert payment.auction.is_paid is False
    assert paid_events(payment.auction) == 0


def end_auction_clock(payment: AuctionPayment) -> None:
    """Move the auction's times into the past, as if its end had passed unpaid."""
    now = timezone.now()
    Auction.objects.filter(pk=payment.auction_id).update(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(minutes=1)
    )


@pytest.fixture
def other_payment(make_user, make_listing, make_auction) -> AuctionPayment:
    seller = make_user(first_name="Другой продавец")
    auction = make_auction(make_listing(seller))
    return fee_initiate(auction_id=auction.pk, user=seller)


# --- 0: the paid flow -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_prepare_and_complete_pay_a_future_auction(client, payment, encoding):
    fields, answer = prepare(client, payment, encoding)
    assert answer["error"] == 0
    attempt = PaymentAttempt.objects.get()
    assert answer["merchant_prepare_id"] == attempt.pk == attempt.merchant_prepare_id
    assert attempt.payment == payment
    assert attempt.gateway == "click"
    assert attempt.gateway_trans_id == fields["click_trans_id"]
    assert attempt.gateway_paydoc_id == "5550001"
    assert attempt.amount == Decimal(FEE)
    assert attempt.gateway_data == {"amount_raw": FEE, "sign_time": fields["sign_time"]}
    assert attempt.status == AttemptStatus.PREPARED
    assert_unpaid(payment)  # Prepare alone pays nothing

    _, done = complete(client, payment, fields, answer, encoding)
    assert done["error"] == 0
    assert done["merchant_confirm_id"] == attempt.pk

    payment.refresh_from_db()
    auction = payment.auction
    auction.refresh_from_db()
    attempt.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED == "completed"
    assert payment.completed_at is not None
    assert payment.needs_refund is False
    assert auction.is_paid is True
    assert auction.paid_at is not None
    assert auction.status == AuctionStatus.SCHEDULED == "scheduled"
    assert attempt.status == AttemptStatus.COMPLETED
    assert attempt.gateway_error == 0
    assert paid_events(auction) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_paying_an_auction_that_already_started_makes_it_active(client, listing, make_auction, encoding):
    auction = make_auction(listing, starts_in=-timedelta(minutes=5))
    payment = fee_initiate(auction_id=auction.pk, user=auction.seller)
    fields, answer = prepare(client, payment, encoding)
    _, done = complete(client, payment, fields, answer, encoding)
    assert (answer["error"], done["error"]) == (0, 0)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE == "active"
    assert auction.is_paid is True
    assert paid_events(auction) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["50000", "50000.00", "50000.0", "50000.000", "50000.004", "49999.999"])
def test_amount_equal_to_the_tiyin_is_accepted_in_any_spelling(client, payment, amount):
    fields, answer = prepare(client, payment, amount=amount)
    assert answer["error"] == 0
    assert PaymentAttempt.objects.get().gateway_data["amount_raw"] == amount
    _, done = complete(client, payment, fields, answer, amount=amount)
    assert done["error"] == 0


@pytest.mark.django_db
def test_upper_case_signature_is_accepted(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    fields["sign_string"] = fields["sign_string"].upper()
    assert post(client, PREPARE_URL, fields)["error"] == 0


@pytest.mark.django_db
def test_prepare_without_paydoc_and_error_fields(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    for optional in ("click_paydoc_id", "error", "error_note"):
        del fields[optional]
    assert post(client, PREPARE_URL, fields)["error"] == 0
    assert PaymentAttempt.objects.get().gateway_paydoc_id == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/auctions/click/prepare", "/api/auctions/click/complete"])
def test_url_without_trailing_slash_answers_json(client, url):
    assert raw_post(client, url, b"")["error"] == -8
    assert raw_post(client, url, b"", method="get")["error"] == -8


@pytest.mark.django_db
def test_url_without_trailing_slash_pays(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    answer = post(client, PREPARE_URL.rstrip("/"), fields)
    assert answer["error"] == 0
    done = post(
        client,
        COMPLETE_URL.rstrip("/"),
        complete_fields(
            payment.merchant_trans_id,
            click_trans_id=fields["click_trans_id"],
            merchant_prepare_id=answer["merchant_prepare_id"],
        ),
    )
    assert done["error"] == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED


# --- idempotency ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_prepare_gets_the_same_answer_and_one_attempt(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    first = post(client, PREPARE_URL, fields)
    second = post(client, PREPARE_URL, fields)
    resent = post(client, PREPARE_URL, resign(fields | {"sign_time": "2026-01-01 00:00:00"}))
    assert first["error"] == 0
    assert first == second == resent
    assert PaymentAttempt.objects.count() == 1
    assert PaymentAttempt.objects.get().pk == first["merchant_prepare_id"]


def snapshot(payment: AuctionPayment, auction: Auction) -> tuple:
    payment_state = (payment.status, payment.completed_at, payment.updated_at)
    return (*payment_state, auction.status, auction.paid_at, auction.updated_at)


@pytest.mark.django_db
def test_repeated_complete_gets_the_same_answer_and_changes_nothing(client, payment):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    first = post(client, COMPLETE_URL, request)
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    state = snapshot(payment, auction)
    events = list(AuctionEvent.objects.values_list("pk", flat=True))

    second = post(client, COMPLETE_URL, request)
    third = post(client, COMPLETE_URL, request, "json")

    assert first["error"] == 0
    assert first == second == third
    assert first["merchant_confirm_id"] == answer["merchant_prepare_id"]
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert snapshot(payment, auction) == state
    assert list(AuctionEvent.objects.values_list("pk", flat=True)) == events
    assert paid_events(auction) == 1
    assert PaymentAttempt.objects.filter(status=AttemptStatus.COMPLETED).count() == 1


# --- -1: signature and service id --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_prepare_with_a_bad_signature(client, payment, encoding):
    fields = prepare_fields(payment.merchant_trans_id)
    fields["sign_string"] = "0" * 32
    assert post(client, PREPARE_URL, fields, encoding)["error"] == -1
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_complete_with_a_bad_signature_pays_nothing(client, payment, encoding):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    request["sign_string"] = request["sign_string"][::-1]
    assert post(client, COMPLETE_URL, request, encoding)["error"] == -1
    assert_unpaid(payment)
    assert PaymentAttempt.objects.get().status == AttemptStatus.PREPARED


@pytest.mark.django_db
def test_signed_with_another_secret(client, payment):
    assert prepare(client, payment, secret="not-our-secret")[1]["error"] == -1
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, secret="not-our-secret")[1]["error"] == -1
    assert_unpaid(payment)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["click_trans_id", "merchant_trans_id", "amount", "sign_time", "service_id"])
def test_a_field_changed_after_signing(client, payment, field):
    fields = prepare_fields(payment.merchant_trans_id)
    tampered = {
        "click_trans_id": "4199999999",
        "merchant_trans_id": payment.merchant_trans_id + "X",
        "amount": "50000",
        "sign_time": "2026-08-22 14:03:12",
        "service_id": "12346",
    }[field]
    assert post(client, PREPARE_URL, fields | {field: tampered})["error"] == -1
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
def test_complete_with_the_prepare_id_changed_after_signing(client, payment):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, {"merchant_prepare_id": answer["merchant_prepare_id"] + 1})
    request["merchant_prepare_id"] = str(answer["merchant_prepare_id"])
    assert post(client, COMPLETE_URL, request)["error"] == -1
    assert_unpaid(payment)


@pytest.mark.django_db
def test_wrong_service_id_even_when_correctly_signed(client, payment):
    prepared = prepare_fields(payment.merchant_trans_id, service_id="54321")
    assert post(client, PREPARE_URL, prepared)["error"] == -1
    assert PaymentAttempt.objects.count() == 0

    fields, answer = prepared_attempt(client, payment)
    request = complete_fields(
        payment.merchant_trans_id,
        click_trans_id=fields["click_trans_id"],
        merchant_prepare_id=answer["merchant_prepare_id"],
        service_id="54321",
    )
    assert post(client, COMPLETE_URL, request)["error"] == -1
    assert_unpaid(payment)


# --- -2: amount ----------------------------------------------------------------------------


BAD_AMOUNTS = ["49999.00", "50000.01", "49999.99", "50001", "5000", "500000.00", "50000.009", "50000.005", "49999.994"]
BAD_AMOUNTS += ["abc", "0", "-50000.00", "NaN", "Infinity", "1e9", "50 000"]
# Numbers Python's Decimal reads but Click never writes: "50_000", "+50000", "5E4", other scripts' digits.
BAD_AMOUNTS += ["50_000", "+50000", "5E4", "50000.", ".5", "\u0665\u0660\u0660\u0660\u0660"]


@pytest.mark.django_db
@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_prepare_with_a_wrong_amount(client, payment, amount):
    assert prepare(client, payment, amount=amount)[1]["error"] == -2
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["49999.00", "50000.01", "49999.99", "abc", "NaN"])
def test_complete_with_a_wrong_amount(client, payment, amount):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, amount=amount)[1]["error"] == -2
    assert_unpaid(payment)
    # The attempt is untouched: the right Complete still goes through.
    assert complete(client, payment, fields, answer)[1]["error"] == 0


# --- -3: action -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_genuine_complete_sent_to_the_prepare_url(client, payment):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert post(client, PREPARE_URL, request)["error"] == -3
    assert_unpaid(payment)


@pytest.mark.django_db
def test_action_1_at_the_prepare_url(client, payment):
    assert prepare(client, payment, action="1")[1]["error"] == -3
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
def test_action_0_at_the_complete_url(client, payment):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, action="0")[1]["error"] == -3
    assert_unpaid(payment)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_prepare_sent_to_the_complete_url_is_3_not_8(client, payment, encoding):
    # The Click cabinet's two URLs swapped: the Prepare has no merchant_prepare_id, and it is signed
    # with Prepare's formula; it is a valid request for the wrong URL (-3), not a malformed one (-8).
    fields = prepare_fields(payment.merchant_trans_id)
    assert "merchant_prepare_id" not in fields
    assert post(client, COMPLETE_URL, fields, encoding)["error"] == -3
    # Its signature is still checked first: a forged one is -1.
    assert post(client, COMPLETE_URL, {**fields, "sign_string": "0" * 32}, encoding)["error"] == -1
    assert PaymentAttempt.objects.count() == 0
    assert_unpaid(payment)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["2", "-1", "9"])
def test_unknown_action_at_both_urls(client, payment, action):
    assert prepare(client, payment, action=action)[1]["error"] == -3
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, action=action)[1]["error"] == -3
    assert_unpaid(payment)


# --- -4: already paid --------------------------------------------------------------------------


@pytest.mark.django_db
def test_prepare_for_a_completed_payment(client, payment):
    pay(client, payment)
    assert prepare(client, payment)[1]["error"] == -4
    assert PaymentAttempt.objects.count() == 1


@pytest.mark.django_db
def test_complete_by_a_second_attempt_after_the_first_completed(client, payment):
    first_fields, first_answer = prepared_attempt(client, payment)
    second_fields, second_answer = prepared_attempt(client, payment)
    assert first_answer["merchant_prepare_id"] != second_answer["merchant_prepare_id"]

    assert complete(client, payment, first_fields, first_answer)[1]["error"] == 0
    _, again = complete(client, payment, second_fields, second_answer)
    assert again["error"] == -4

    second = PaymentAttempt.objects.get(pk=second_answer["merchant_prepare_id"])
    assert second.status == AttemptStatus.PREPARED
    assert PaymentAttempt.objects.filter(status=AttemptStatus.COMPLETED).count() == 1
    assert paid_events(payment.auction) == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED


# --- -5: unknown order -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_prepare_for_an_unknown_merchant_trans_id(client, payment, encoding):
    fields = prepare_fields("AUCTION_NOSUCHPAYMENT00000000")
    assert post(client, PREPARE_URL, fields, encoding)["error"] == -5
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
def test_complete_for_an_unknown_merchant_trans_id(client, payment):
    fields, answer = prepared_attempt(client, payment)
    request = complete_fields(
        "AUCTION_NOSUCHPAYMENT00000000",
        click_trans_id=fields["click_trans_id"],
        merchant_prepare_id=answer["merchant_prepare_id"],
    )
    assert post(client, COMPLETE_URL, request)["error"] == -5
    assert_unpaid(payment)


@pytest.mark.django_db
def test_lower_case_merchant_trans_id_is_another_order(client, payment):
    fields = prepare_fields(payment.merchant_trans_id.lower())
    assert post(client, PREPARE_URL, fields)["error"] == -5


# --- -6: unknown attempt ------------------------------------------------------------------------


@pytest.mark.django_db
def test_complete_with_an_unknown_prepare_id(client, payment):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer | {"merchant_prepare_id": 987654321})[1]["error"] == -6
    assert_unpaid(payment)


@pytest.mark.django_db
def test_complete_without_any_prepare(client, payment):
    request = complete_fields(payment.merchant_trans_id, click_trans_id=next_click_trans_id(), merchant_prepare_id="1")
    assert post(client, COMPLETE_URL, request)["error"] == -6
    assert_unpaid(payment)


@pytest.mark.django_db
def test_complete_with_the_prepare_id_of_another_payment(client, payment, other_payment):
    other_fields, other_answer = prepared_attempt(client, other_payment)
    # This payment's order id with the other payment's attempt (its own click_trans_id too).
    request = complete_fields(
        payment.merchant_trans_id,
        click_trans_id=other_fields["click_trans_id"],
        merchant_prepare_id=other_answer["merchant_prepare_id"],
    )
    assert post(client, COMPLETE_URL, request)["error"] == -6
    assert_unpaid(payment)
    assert_unpaid(other_payment)


@pytest.mark.django_db
def test_complete_with_the_prepare_id_of_another_click_trans_id(client, payment):
    first_fields, _ = prepared_attempt(client, payment)
    _, second_answer = prepared_attempt(client, payment)
    request = complete_fields(
        payment.merchant_trans_id,
        click_trans_id=first_fields["click_trans_id"],
        merchant_prepare_id=second_answer["merchant_prepare_id"],
    )
    assert post(client, COMPLETE_URL, request)["error"] == -6
    assert_unpaid(payment)
    assert set(PaymentAttempt.objects.values_list("status", flat=True)) == {AttemptStatus.PREPARED}


# --- -7: our side failed ------------------------------------------------------------------------


def _database_down(**kwargs):
    raise DatabaseError("could not write")


@pytest.mark.django_db
def test_prepare_when_our_side_fails(client, payment, monkeypatch):
    monkeypatch.setattr(adapter, "fee_prepare", _database_down)
    fields, answer = prepare(client, payment)
    assert answer["error"] == -7
    assert PaymentAttempt.objects.count() == 0
    row = ClickCallback.objects.order_by("-id").first()
    assert row.error == -7
    assert row.merchant_trans_id == payment.merchant_trans_id
    assert row.click_trans_id == fields["click_trans_id"]
    assert row.detail


@pytest.mark.django_db
def test_complete_when_our_side_fails(client, payment, monkeypatch):
    fields, answer = prepared_attempt(client, payment)
    monkeypatch.setattr(adapter, "fee_complete", _database_down)
    assert complete(client, payment, fields, answer)[1]["error"] == -7
    assert_unpaid(payment)
    assert ClickCallback.objects.order_by("-id").first().error == -7


@pytest.mark.django_db
def test_a_failure_midway_through_complete_rolls_everything_back(client, payment, monkeypatch):
    fields, answer = prepared_attempt(client, payment)
    # The last write of the paying transaction fails: nothing before it may stay.
    monkeypatch.setattr(lifecycle, "auction_record", _database_down)
    assert complete(client, payment, fields, answer)[1]["error"] == -7
    assert_unpaid(payment)
    assert PaymentAttempt.objects.get().status == AttemptStatus.PREPARED

    # Click retries on -7; once we are back, the retry pays.
    monkeypatch.undo()
    assert complete(client, payment, fields, answer)[1]["error"] == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert paid_events(payment.auction) == 1


# --- -8: malformed requests ------------------------------------------------------------------------


PREPARE_REQUIRED = ["click_trans_id", "service_id", "merchant_trans_id", "amount", "action", "sign_time", "sign_string"]
COMPLETE_REQUIRED = [*PREPARE_REQUIRED, "merchant_prepare_id", "error"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{}", "application/json"),
        (b"", "application/json"),
        (b"", FORM),
        (b"   ", FORM),
        (b"{not json", "application/json"),
        (b'{"click_trans_id": 1,', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'["click_trans_id"]', "application/json"),
        (b"null", "application/json"),
        (b'"text"', "application/json"),
        (b"click_trans_id=\xff\xfe&amount=50000", FORM),
        (b'{"merchant_trans_id": "\xff"}', "application/json"),
        (b"<xml/>", "text/xml"),
        (b"garbage", "text/plain"),
    ],
)
def test_unusable_bodies(client, url, body, content_type):
    answer = raw_post(client, url, body, content_type)
    assert answer["error"] == -8


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
@pytest.mark.parametrize("method", ["get", "put", "delete", "patch", "head", "options"])
def test_other_methods(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    if method != "head":
        assert response.json()["error"] == -8
    row = ClickCallback.objects.order_by("-id").first()
    assert row.method == method.upper()
    assert row.error == -8


@pytest.mark.django_db
@pytest.mark.parametrize("missing", PREPARE_REQUIRED)
def test_prepare_missing_a_field(client, payment, missing):
    fields = prepare_fields(payment.merchant_trans_id)
    del fields[missing]
    assert post(client, PREPARE_URL, fields)["error"] == -8
    blank = prepare_fields(payment.merchant_trans_id) | {missing: ""}
    assert post(client, PREPARE_URL, blank, "json")["error"] == -8
    null = encode(prepare_fields(payment.merchant_trans_id), "json")[0].replace(
        f'"{missing}": '.encode(), f'"{missing}": null, "_": '.encode()
    )
    assert raw_post(client, PREPARE_URL, null, "application/json")["error"] == -8
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("missing", COMPLETE_REQUIRED)
def test_complete_missing_a_field(client, payment, missing):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    del request[missing]
    assert post(client, COMPLETE_URL, request)["error"] == -8
    assert post(client, COMPLETE_URL, request, "json")["error"] == -8
    assert_unpaid(payment)


MALFORMED = [
    ("click_trans_id", "abc"),
    ("click_trans_id", "12.5"),
    ("click_trans_id", "-5"),
    ("click_trans_id", "1e5"),
    ("click_trans_id", "99999999999999999999999"),
    ("service_id", "12345x"),
    ("service_id", "12 345"),
    ("action", "zero"),
    ("action", "0.0"),
    ("error", "none"),
    ("click_paydoc_id", "doc-1"),
    ("sign_time", "yesterday"),
    ("sign_time", "2026-13-45 99:99:99"),
    ("merchant_trans_id", "A" * 256),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), MALFORMED)
def test_prepare_with_a_malformed_field_even_when_signed(client, payment, field, value):
    fields = resign(prepare_fields(payment.merchant_trans_id) | {field: value})
    assert post(client, PREPARE_URL, fields)["error"] == -8
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [*MALFORMED, ("merchant_prepare_id", "x1"), ("merchant_prepare_id", "-3"), ("error", "0x1")]
)
def test_complete_with_a_malformed_field_even_when_signed(client, payment, field, value):
    fields, answer = prepared_attempt(client, payment)
    request = complete_request(payment, fields, answer)
    assert post(client, COMPLETE_URL, resign(request | {field: value}))["error"] == -8
    assert_unpaid(payment)


@pytest.mark.django_db
@pytest.mark.parametrize("sign", ["not-a-signature", "invalid_sign", "0" * 31, "g" * 32, "подпись"])
def test_signature_that_is_not_an_md5_is_a_wrong_signature(client, payment, sign):
    # sign_string is "string" (§2): any text that is not the signature is a wrong one (-1, §5).
    fields = prepare_fields(payment.merchant_trans_id) | {"sign_string": sign}
    assert post(client, PREPARE_URL, fields)["error"] == -1
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("value", ['{"a": 1}', "[1]", "true"])
def test_json_field_of_a_wrong_type(client, payment, value):
    body = encode(prepare_fields(payment.merchant_trans_id), "json")[0][:-1] + f', "amount": {value}}}'.encode()
    assert raw_post(client, PREPARE_URL, body, "application/json")["error"] == -8


# --- -9: cancelled ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "note"), [("-5017", "Insufficient funds"), ("-1", "x"), ("-9999", "")])
def test_complete_with_a_negative_error_cancels_the_attempt(client, payment, code, note):
    fields, answer = prepared_attempt(client, payment)
    _, done = complete(client, payment, fields, answer, error=code, error_note=note)
    assert done["error"] == -9
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == AttemptStatus.CANCELLED
    assert attempt.gateway_error == int(code)
    assert attempt.gateway_error_note == note
    assert_unpaid(payment)


@pytest.mark.django_db
def test_after_a_cancelled_attempt_nothing_can_revive_it(client, payment):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, error="-5017")[1]["error"] == -9

    # The same cancelled attempt: Complete with error 0, the same decline again, and Prepare.
    assert complete(client, payment, fields, answer)[1]["error"] == -9
    assert complete(client, payment, fields, answer, error="-5017")[1]["error"] == -9
    assert post(client, PREPARE_URL, resign(fields | {"sign_time": now_sign_time()}))["error"] == -9
    assert_unpaid(payment)
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED

    # The payment itself is still open: a new attempt (another card) pays it.
    pay(client, payment)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED
    assert paid_events(payment.auction) == 1


@pytest.mark.django_db
def test_prepare_for_a_cancelled_auction(client, payment):
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    assert prepare(client, payment)[1]["error"] == -9
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
def test_prepare_for_an_auction_whose_end_passed(client, payment):
    end_auction_clock(payment)
    assert prepare(client, payment)[1]["error"] == -9
    assert PaymentAttempt.objects.count() == 0
    assert_unpaid(payment)


@pytest.mark.django_db
def test_complete_after_the_auction_was_cancelled_is_minus_9(client, payment):
    fields, answer = prepared_attempt(client, payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)

    # §5: "the payment ... was cancelled before" is -9, which Click takes as the merchant cancelling the charge.
    request = complete_request(payment, fields, answer)
    done = post(client, COMPLETE_URL, request)
    assert done["error"] == -9
    assert done["merchant_confirm_id"] is None

    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.status == PaymentStatus.CANCELLED and payment.needs_refund is False
    assert auction.status == AuctionStatus.CANCELLED and auction.is_paid is False
    assert paid_events(auction) == 0
    # Its retry: the same answer, nothing more.
    assert post(client, COMPLETE_URL, request) == done


@pytest.mark.django_db
def test_complete_after_the_auction_time_ran_out_is_accepted_and_flagged_for_refund(client, listing, make_auction):
    auction = make_auction(listing, starts_in=-timedelta(seconds=1), duration=timedelta(seconds=3))
    payment = fee_initiate(auction_id=auction.pk, user=auction.seller)
    fields, answer = prepared_attempt(client, payment)
    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.05)

    # Click charged the payer before the end; the payment itself was never cancelled: accept and refund.
    request = complete_request(payment, fields, answer)
    done = post(client, COMPLETE_URL, request)
    assert done["error"] == 0
    assert done["merchant_confirm_id"] == answer["merchant_prepare_id"]
    payment.refresh_from_db()
    auction.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED and payment.needs_refund is True
    assert auction.status == AuctionStatus.PENDING_PAYMENT and auction.is_paid is False
    assert paid_events(auction) == 0
    too_late = AuctionEvent.objects.filter(auction=auction, kind=AuctionEvent.Kind.PAID_TOO_LATE)
    assert too_late.count() == 1
    assert post(client, COMPLETE_URL, request) == done
    assert too_late.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["1", "5017"])
def test_complete_with_a_positive_error_credits_nothing(client, payment, error):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, error=error)[1]["error"] == -9
    assert_unpaid(payment)
    assert PaymentAttempt.objects.get().status == "cancelled"


@pytest.mark.django_db
def test_declined_complete_after_the_auction_was_cancelled_needs_no_refund(client, payment):
    fields, answer = prepared_attempt(client, payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    assert complete(client, payment, fields, answer, error="-5017")[1]["error"] == -9
    payment.refresh_from_db()
    assert payment.needs_refund is False
    assert payment.status == PaymentStatus.CANCELLED


@pytest.mark.django_db
def test_complete_after_the_auction_end_passed_is_accepted_and_flagged_for_refund(client, payment):
    fields, answer = prepared_attempt(client, payment)
    end_auction_clock(payment)
    assert complete(client, payment, fields, answer)[1]["error"] == 0
    payment.refresh_from_db()
    auction = Auction.objects.get(pk=payment.auction_id)
    assert payment.needs_refund is True
    assert auction.status == AuctionStatus.PENDING_PAYMENT
    assert auction.is_paid is False
    assert paid_events(auction) == 0


# --- the order of checks (§5: -8 → -1 → -3 → -5 → -6 → -4 → -9 → -2) ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
def test_bad_signature_and_unknown_order_is_minus_1(client, url):
    action = "0" if url == PREPARE_URL else "1"
    fields = complete_fields("AUCTION_NOSUCHPAYMENT0000000", click_trans_id="1", merchant_prepare_id="1", action=action)
    fields["sign_string"] = "f" * 32
    assert post(client, url, fields)["error"] == -1


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
def test_missing_field_and_bad_signature_is_minus_8(client, payment, url):
    fields = complete_fields(payment.merchant_trans_id, click_trans_id="1", merchant_prepare_id="1")
    fields["sign_string"] = "f" * 32
    del fields["amount"]
    assert post(client, url, fields)["error"] == -8


@pytest.mark.django_db
@pytest.mark.parametrize("url", [PREPARE_URL, COMPLETE_URL])
def test_malformed_field_and_wrong_service_is_minus_8(client, payment, url):
    fields = complete_fields(payment.merchant_trans_id, click_trans_id="x", merchant_prepare_id="1", service_id="1")
    assert post(client, url, fields)["error"] == -8


@pytest.mark.django_db
def test_wrong_action_and_bad_signature_is_minus_1(client, payment):
    assert post(client, PREPARE_URL, prepare_fields(payment.merchant_trans_id, action="1", secret="x"))["error"] == -1
    mti = payment.merchant_trans_id
    fields = complete_fields(mti, click_trans_id="1", merchant_prepare_id="1", action="0", secret="x")
    assert post(client, COMPLETE_URL, fields)["error"] == -1


@pytest.mark.django_db
def test_wrong_action_and_unknown_order_is_minus_3(client):
    assert post(client, PREPARE_URL, prepare_fields("NOPE", action="1"))["error"] == -3
    fields = complete_fields("NOPE", click_trans_id="1", merchant_prepare_id="1", action="0")
    assert post(client, COMPLETE_URL, fields)["error"] == -3


@pytest.mark.django_db
def test_unknown_order_and_wrong_amount_is_minus_5(client):
    assert post(client, PREPARE_URL, prepare_fields("NOPE", amount="1.00"))["error"] == -5
    fields = complete_fields("NOPE", click_trans_id="1", merchant_prepare_id="1", amount="1.00")
    assert post(client, COMPLETE_URL, fields)["error"] == -5


@pytest.mark.django_db
def test_unknown_order_with_a_real_attempt_is_minus_5_not_minus_6(client, payment):
    fields, answer = prepared_attempt(client, payment)
    request = complete_fields(
        "NOPE", click_trans_id=fields["click_trans_id"], merchant_prepare_id=answer["merchant_prepare_id"]
    )
    assert post(client, COMPLETE_URL, request)["error"] == -5


@pytest.mark.django_db
def test_paid_order_with_an_unknown_attempt_is_minus_6_not_minus_4(client, payment):
    fields, answer = prepared_attempt(client, payment)
    complete(client, payment, fields, answer)
    assert complete(client, payment, fields, answer | {"merchant_prepare_id": 987654321})[1]["error"] == -6


@pytest.mark.django_db
def test_paid_order_with_a_cancelled_attempt_is_minus_4_not_minus_9(client, payment):
    declined_fields, declined_answer = prepared_attempt(client, payment)
    good_fields, good_answer = prepared_attempt(client, payment)
    assert complete(client, payment, declined_fields, declined_answer, error="-5017")[1]["error"] == -9
    assert complete(client, payment, good_fields, good_answer)[1]["error"] == 0
    assert complete(client, payment, declined_fields, declined_answer)[1]["error"] == -4
    assert complete(client, payment, declined_fields, declined_answer, error="-5017")[1]["error"] == -4


@pytest.mark.django_db
def test_paid_order_with_a_wrong_amount_is_minus_4_not_minus_2(client, payment):
    first_fields, first_answer = prepared_attempt(client, payment)
    second_fields, second_answer = prepared_attempt(client, payment)
    pay_fields, pay_answer = first_fields, first_answer
    assert complete(client, payment, pay_fields, pay_answer)[1]["error"] == 0
    assert prepare(client, payment, amount="1.00")[1]["error"] == -4
    assert complete(client, payment, second_fields, second_answer, amount="1.00")[1]["error"] == -4


@pytest.mark.django_db
def test_cancelled_attempt_with_a_wrong_amount_is_minus_9_not_minus_2(client, payment):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, error="-5017")[1]["error"] == -9
    assert complete(client, payment, fields, answer, amount="1.00")[1]["error"] == -9
    prepared_again = resign(fields | {"amount": "1.00"})
    assert post(client, PREPARE_URL, prepared_again)["error"] == -9


@pytest.mark.django_db
def test_decline_with_a_wrong_amount_is_minus_9_and_credits_nothing(client, payment):
    fields, answer = prepared_attempt(client, payment)
    assert complete(client, payment, fields, answer, amount="1.00", error="-5017")[1]["error"] == -9
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED
    assert_unpaid(payment)


@pytest.mark.django_db
def test_cancelled_auction_with_a_wrong_amount_is_minus_9_not_minus_2(client, payment):
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    assert prepare(client, payment, amount="1.00")[1]["error"] == -9


# --- the log of callbacks -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_request_is_logged_with_our_answer(client, payment, monkeypatch):
    sent: list[tuple[str, bytes]] = []

    def send(url: str, fields: dict[str, str], encoding: str = "form") -> dict:
        sent.append((url, encode(fields, encoding)[0]))
        return post(client, url, fields, encoding)

    fields = prepare_fields(payment.merchant_trans_id)
    answers = [
        send(PREPARE_URL, fields | {"sign_string": "0" * 32}),
        send(PREPARE_URL, prepare_fields("NOPE")),
        send(PREPARE_URL, fields),
    ]
    done = complete_request(payment, fields, answers[-1])
    monkeypatch.setattr(adapter, "fee_complete", _database_down)
    answers.append(send(COMPLETE_URL, done, "json"))
    monkeypatch.undo()
    answers.append(send(COMPLETE_URL, done, "json"))
    assert [answer["error"] for answer in answers] == [-1, -5, 0, -7, 0]

    rows = list(ClickCallback.objects.order_by("id"))
    assert len(rows) == 5
    for row, (url, body), answer in zip(rows, sent, answers, strict=True):
        assert row.stage == ("prepare" if url == PREPARE_URL else "complete")
        assert row.body == body.decode()
        assert row.response == answer
        assert row.error == answer["error"]
        assert row.merchant_trans_id == answer["merchant_trans_id"]
        assert row.click_trans_id == str(answer["click_trans_id"])
        assert row.remote_addr
        assert row.headers.get("Content-Type")
    assert rows[-1].error_note == "Success"
    assert rows[-2].error_note == "Failed to update user"


@pytest.mark.django_db
def test_the_log_survives_a_rolled_back_payment(client, payment, monkeypatch):
    fields, answer = prepared_attempt(client, payment)
    monkeypatch.setattr(lifecycle, "auction_record", _database_down)
    complete(client, payment, fields, answer)
    row = ClickCallback.objects.order_by("-id").first()
    assert row.stage == "complete"
    assert row.error == -7
    assert json.loads(json.dumps(row.response))["error"] == -7
    assert row.merchant_trans_id == payment.merchant_trans_id


# --- checklist step 7 --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_checklist_step_7_last_is_the_newest_payment(client, payment, other_payment):
    # The snippet itself runs verbatim in tests/test_commands.py; here: .last() is the newest fee.
    pay(client, other_payment)
    last_payment = AuctionPayment.objects.last()
    assert last_payment.pk == other_payment.pk == AuctionPayment.objects.order_by("-created_at", "-id")[0].pk
    assert (last_payment.status, last_payment.amount) == ("completed", Decimal("50000.00"))
    assert last_payment.auction.is_paid is True


# --- encodings Click does not document, answers of errors, attempts a decline ends ----------------


@pytest.mark.django_db
def test_a_multipart_form_pays(client, payment):
    # Django's test client and many HTTP tools post a dict as multipart/form-data.
    fields = prepare_fields(payment.merchant_trans_id)
    answer = client.post(PREPARE_URL, fields).json()
    assert answer["error"] == 0
    done = client.post(COMPLETE_URL, complete_request(payment, fields, answer)).json()
    assert done["error"] == 0 and done["merchant_confirm_id"] == answer["merchant_prepare_id"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED


@pytest.mark.django_db
def test_fields_in_the_query_string_of_a_post(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    answer = client.post(f"{PREPARE_URL}?{urlencode(fields)}", data=b"", content_type=FORM).json()
    assert answer["error"] == 0
    assert PaymentAttempt.objects.get().pk == answer["merchant_prepare_id"]


@pytest.mark.django_db
def test_a_form_body_labelled_json(client, payment):
    fields = prepare_fields(payment.merchant_trans_id)
    answer = raw_post(client, PREPARE_URL, urlencode(fields).encode(), "application/json")
    assert answer["error"] == 0


@pytest.mark.django_db
def test_a_multipart_body_that_is_not_one_is_minus_8(client, payment):
    answer = raw_post(client, PREPARE_URL, b"--x\r\nbroken", "multipart/form-data; boundary=x")
    assert answer["error"] == -8
    assert PaymentAttempt.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["AUCTION_NOSUCHORDER0000000000", None])
def test_every_prepare_answer_carries_an_int_prepare_id(client, payment, order):
    # §4: Prepare's merchant_prepare_id is an int (Complete's may be null): 0 names no attempt.
    fields = prepare_fields(order or payment.merchant_trans_id)
    if order is None:
        fields = resign(fields | {"amount": "1.00"})
    answer = post(client, PREPARE_URL, fields)
    assert answer["error"] == (-5 if order else -2)
    assert answer["merchant_prepare_id"] == 0 and type(answer["merchant_prepare_id"]) is int
    assert post(client, PREPARE_URL, {})["merchant_prepare_id"] == 0


@pytest.mark.django_db
def test_a_decline_after_the_auction_was_cancelled_ends_the_attempt(client, payment):
    fields, answer = prepared_attempt(client, payment)
    auction_cancel(auction_id=payment.auction_id, user=payment.auction.seller)
    assert complete(client, payment, fields, answer, error="-5017")[1]["error"] == -9
    # Nothing is left for reconciliation to ask Click about.
    assert PaymentAttempt.objects.get().status == AttemptStatus.CANCELLED


@pytest.mark.django_db
def test_a_decline_of_a_second_attempt_after_the_first_paid_ends_it(client, payment):
    paid_fields, paid_answer = prepared_attempt(client, payment)
    other_fields, other_answer = prepared_attempt(client, payment)
    assert complete(client, payment, paid_fields, paid_answer)[1]["error"] == 0
    assert complete(client, payment, other_fields, other_answer, error="-5017")[1]["error"] == -4
    assert PaymentAttempt.objects.get(pk=other_answer["merchant_prepare_id"]).status == AttemptStatus.CANCELLED
    # The paying attempt is never undone by a decline sent for it afterwards (error is not signed).
    assert complete(client, payment, paid_fields, paid_answer, error="-5017")[1]["error"] == -4
    assert PaymentAttempt.objects.get(pk=paid_answer["merchant_prepare_id"]).status == AttemptStatus.COMPLETED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED


@pytest.mark.django_db
def test_a_complete_refused_while_payme_holds_the_order_stays_refused(client, payment, settings):
    from fees.models import Gateway
    from fees.services import fee_complete, fee_prepare

    fields, answer = prepared_attempt(client, payment)
    settings.FEE_ATTEMPT_IN_FLIGHT_SECONDS = 0  # Click's Complete comes after its Prepare is no longer fresh
    held = fee_prepare(
        order=payment.merchant_trans_id,
        gateway=Gateway.PAYME,
        gateway_trans_id="p" * 24,
        amount=payment.amount,
        hold_until=timezone.now() + timedelta(hours=12),
    )
    assert held.attempt_id is not None
    request = complete_request(payment, fields, answer)
    first = post(client, COMPLETE_URL, request)
    assert first["error"] == -9
    assert PaymentAttempt.objects.get(pk=answer["merchant_prepare_id"]).status == AttemptStatus.CANCELLED
    # Payme lets go of the order; Click's retry of the same Complete gets the same answer, pays nothing.
    fee_complete(
        order=payment.merchant_trans_id,
        gateway=Gateway.PAYME,
        attempt_id=held.attempt_id,
        gateway_trans_id="p" * 24,
        amount=payment.amount,
        succeeded=False,
        error=-1,
        charged=False,
    )
    assert post(client, COMPLETE_URL, request) == first
    assert_unpaid(payment)

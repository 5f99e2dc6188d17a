"""core.rows and the fee's hand-written locking reads (fees.locks): the instances they build are
the ones the ORM builds, on PostgreSQL and on SQLite."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auctions.models import Auction
from core.rows import ModelColumns
from fees.locks import (
    lock_payment_and_auction,
    lock_payment_attempt_and_prepared,
    lock_payment_reading_auction,
    read_attempt_and_prepared,
)
from fees.models import AttemptStatus, AuctionPayment, PaymentAttempt

pytestmark = pytest.mark.django_db


def values(instance: Model) -> dict[str, object]:
    """Every column's value with its type: 50000 and Decimal("50000.00") are not the same here."""
    return {
        field.attname: (type(getattr(instance, field.attname)), getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def built(model: type[Model], pk: int) -> Model:
    columns = ModelColumns(model, "x")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.select_list()} FROM {columns.table()} WHERE {columns.column('id')} = %s", [pk])  # noqa: S608
        return columns.build(cursor.fetchone())


@pytest.fixture
def attempts(payment) -> list[PaymentAttempt]:
    now = timezone.now()
    return [
        PaymentAttempt.objects.create(
            payment=payment,
            gateway="click",
            gateway_trans_id="111",
            gateway_paydoc_id="222",
            amount=Decimal("50000.00"),
            gateway_data={"amount_raw": "50000.00", "nested": [1, "два", None]},
        ),
        PaymentAttempt.objects.create(
            payment=payment,
            gateway="payme",
            gateway_trans_id="abc",
            amount=Decimal("50000.00"),
            status=AttemptStatus.CANCELLED,
            gateway_error=-31008,
            hold_until=now + timedelta(hours=12),
            finished_at=now,
        ),
    ]


def test_every_column_comes_back_as_the_orm_gives_it(payment, attempts):
    auction = Auction.objects.get(pk=payment.auction_id)
    auction.reserve_price = auction.starting_price + Decimal("0.01")
    auction.paid_at = timezone.now()
    auction.is_paid = True
    auction.save()
    for model, pk in [(AuctionPayment, payment.pk), (Auction, auction.pk), *((PaymentAttempt, a.pk) for a in attempts)]:
        instance = built(model, pk)
        assert values(instance) == values(model.objects.get(pk=pk))
        assert instance._state.adding is False and instance._state.db == "default"


def test_a_built_instance_saves_like_a_fetched_one(payment):
    instance = built(AuctionPayment, payment.pk)
    instance.refund_note = "checked"
    instance.save(update_fields=["refund_note", "updated_at"])
    assert AuctionPayment.objects.get(pk=payment.pk).refund_note == "checked"


def test_the_payment_locks_carry_their_auction_without_another_query(payment):
    expected = values(AuctionPayment.objects.get(pk=payment.pk)), values(Auction.objects.get(pk=payment.auction_id))
    for lock in (lock_payment_and_auction, lock_payment_reading_auction):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            locked = lock(payment.merchant_trans_id)
            assert (values(locked), values(locked.auction)) == expected
        assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 1
        with transaction.atomic():
            assert lock("AUCTION_NO_SUCH_ORDER") is None


def test_the_attempt_reads_find_the_transaction_and_the_prepared_ones(payment, attempts, make_auction, listing):
    click, payme = attempts
    with transaction.atomic():
        attempt, prepared = read_attempt_and_prepared(payment, gateway="payme", gateway_trans_id="abc")
        assert attempt.pk == payme.pk and [a.pk for a in prepared] == [click.pk]
        attempt, prepared = read_attempt_and_prepared(payment, gateway="click", gateway_trans_id="999")
        assert attempt is None and [a.pk for a in prepared] == [click.pk]
        locked, attempt, prepared = lock_payment_attempt_and_prepared(
            payment.merchant_trans_id, gateway="click", attempt_id=click.pk, gateway_trans_id="111"
        )
        assert (locked.pk, attempt.pk, [a.pk for a in prepared]) == (payment.pk, click.pk, [click.pk])
        assert values(attempt) == values(PaymentAttempt.objects.get(pk=click.pk))
        # Another gateway's id, or another transaction's: not this attempt.
        for gateway, trans_id in (("payme", "111"), ("click", "112")):
            _, attempt, _ = lock_payment_attempt_and_prepared(
                payment.merchant_trans_id, gateway=gateway, attempt_id=click.pk, gateway_trans_id=trans_id
            )
            assert attempt is None


def test_the_public_bid_history_reads_what_the_orm_reads(paid_auction, make_user):
    """auctions.selectors.auction_public_bids is written out: the same rows, order and types as the
    queryset it replaced (live bids, highest first, the later of equal amounts first), in one query."""
    from auctions.models import Bid, BidKind
    from auctions.selectors import auction_public_bids

    now = timezone.now()
    bidders = [make_user() for _ in range(3)]
    amounts = [Decimal("800000000"), Decimal("801000000"), Decimal("801000000"), Decimal("802000000")]
    for i, amount in enumerate(amounts):
        Bid.objects.create(
            auction=paid_auction,
            bidder=bidders[i % 3],
            amount=amount,
            kind=BidKind.AUTO if i == 2 else BidKind.MANUAL,
            created_at=now - timedelta(seconds=10 - i),
        )
    Bid.objects.create(
        auction=paid_auction, bidder=bidders[0], amount=Decimal("900000000"), created_at=now, removed_at=now
    )
    expected = list(
        Bid.objects.filter(auction=paid_auction, removed_at__isnull=True)
        .select_related("bidder")
        .order_by("-amount", "-id")
    )

    with CaptureQueriesContext(connection) as queries:
        history = auction_public_bids(paid_auction, limit=3)

    assert len(queries) == 1
    assert [
        (b.bidder_id, b.bidder_masked_phone, type(b.amount), b.amount, b.kind, b.auto, b.created_at) for b in history
    ] == [
        (b.bidder_id, b.bidder.masked_phone, Decimal, b.amount, b.kind, b.kind == BidKind.AUTO, b.created_at)
        for b in expected[:3]
    ]
    assert history[1].auto and history[1].amount == history[2].amount and history[0].amount == Decimal("802000000")
    assert all(b.created_at.tzinfo is not None for b in history)
    assert len(auction_public_bids(paid_auction)) == 4


def test_the_auction_lock_is_one_locking_read_of_the_orm_s_row(paid_auction):
    from auctions.locks import auction_lock

    paid_auction.reserve_price = paid_auction.starting_price + Decimal("0.01")
    paid_auction.save()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = auction_lock(auction_id=paid_auction.pk)
    assert values(locked) == values(Auction.objects.get(pk=paid_auction.pk))
    assert locked._state.adding is False
    assert len(queries) == 1
    assert ("FOR UPDATE" in queries[0]["sql"]) is connection.features.has_select_for_update
    with transaction.atomic(), pytest.raises(Auction.DoesNotExist):
        auction_lock(auction_id=paid_auction.pk + 1000)


@pytest.mark.django_db(transaction=True)
def test_the_auction_lock_outside_a_transaction_is_refused(paid_auction):
    """In autocommit the lock would end with its own statement: refused, as select_for_update() is."""
    from auctions.locks import auction_lock

    with pytest.raises(transaction.TransactionManagementError):
        auction_lock(auction_id=paid_auction.pk)

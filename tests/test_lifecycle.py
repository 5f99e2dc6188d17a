"""The auction state machine: create, pay, start, end, cancel."""

import re
import time
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_cancel, auction_create, auction_sync, auctions_sync_due
from auctions.models import Auction, AuctionEvent, AuctionStatus
from auctions.selectors import auction_effective_status, auction_min_next_bid
from fees.demo import fee_pay_offline
from fees.models import AuctionPayment, PaymentStatus
from fees.services import fee_initiate
from listings.models import ListingStatus

START = Decimal("800000000")
STEP = Decimal("1000000")
MERCHANT_TRANS_ID = re.compile(r"^AUCTION_[A-Z0-9]{20}$")


def create(listing, *, seller=None, starts_at=None, ends_at=None, starting_price=START, bid_step=STEP) -> Auction:
    now = timezone.now()
    return auction_create(
        seller=seller or listing.seller,
        listing=listing,
        starts_at=starts_at or now + timedelta(hours=1),
        ends_at=ends_at or now + timedelta(days=3),
        starting_price=starting_price,
        bid_step=bid_step,
    )


def refused(code: str, func, **kwargs) -> AuctionRuleError:
    with pytest.raises(AuctionRuleError) as excinfo:
        func(**kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    return excinfo.value


def kinds(auction: Auction) -> list[str]:
    return list(AuctionEvent.objects.filter(auction=auction).order_by("id").values_list("kind", flat=True))


def move_times(auction: Auction, *, starts_at: datetime, ends_at: datetime) -> None:
    Auction.objects.filter(pk=auction.pk).update(starts_at=starts_at, ends_at=ends_at)


# --- auction_create ------------------------------------------------------------


def test_create_makes_an_unpaid_auction(listing):
    auction = create(listing, starting_price="800 000 000", bid_step=STEP)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.PENDING_PAYMENT
    assert auction.is_paid is False and auction.paid_at is None
    assert auction.seller == listing.seller
    assert auction.starting_price == START and auction.bid_step == STEP
    assert auction.current_price is None and auction.leader is None and auction.bid_count == 0
    assert auction_min_next_bid(auction) == START
    assert kinds(auction) == [AuctionEvent.Kind.CREATED]
    assert not auction.payments.exists()


def test_create_allows_a_start_in_the_past_when_the_end_is_ahead(listing):
    now = timezone.now()
    auction = create(listing, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))

    assert auction.status == AuctionStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("starts", "ends", "code"),
    [
        (timedelta(hours=2), timedelta(hours=1), "ends_before_start"),
        (timedelta(hours=1), timedelta(hours=1), "ends_before_start"),
        (-timedelta(hours=2), -timedelta(seconds=1), "ends_in_past"),
        (-timedelta(days=1, minutes=1), timedelta(hours=1), "starts_too_early"),
        (-timedelta(days=365 * 2000), timedelta(hours=1), "starts_too_early"),
        (timedelta(days=184), timedelta(days=185), "starts_too_late"),
        (timedelta(hours=1), timedelta(days=61, hours=2), "too_long"),
    ],
)
def test_create_refuses_bad_times(listing, starts, ends, code):
    now = timezone.now()

    refused(
        code,
        auction_create,
        seller=listing.seller,
        listing=listing,
        starts_at=now + starts,
        ends_at=now + ends,
        starting_price=START,
        bid_step=STEP,
    )
    assert not Auction.objects.exists()


def test_create_refuses_naive_datetimes(listing):
    naive = datetime.now() + timedelta(hours=1)  # noqa: DTZ005 - the point of the test
    aware = timezone.now() + timedelta(days=1)

    refused("naive_time", create, listing=listing, starts_at=naive, ends_at=aware)
    refused(
        "naive_time", create, listing=listing, starts_at=aware - timedelta(hours=1), ends_at=naive + timedelta(days=2)
    )
    assert not Auction.objects.exists()


def test_create_refuses_someone_elses_listing(listing, buyer):
    refused("not_owner", create, listing=listing, seller=buyer)
    assert not Auction.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("starting_price", "0"), ("starting_price", "-1"), ("bid_step", "0.5"), ("bid_step", "abc")]
)
def test_create_refuses_bad_prices(listing, field, value):
    refused("invalid_amount", create, listing=listing, **{field: value})
    assert not Auction.objects.exists()


def test_create_refuses_a_second_open_auction_on_the_listing(listing):
    create(listing)

    refused("already_open", create, listing=listing)
    assert Auction.objects.filter(listing=listing).count() == 1


def test_create_refuses_a_second_auction_while_the_first_runs(listing, make_paid_auction):
    make_paid_auction(listing, starts_in=-timedelta(minutes=5))

    refused("already_open", create, listing=listing)


def test_create_allows_a_new_auction_after_cancel_or_end(listing, make_paid_auction, make_listing):
    first = create(listing)
    auction_cancel(auction_id=first.pk, user=listing.seller)
    second = create(listing)
    assert second.pk != first.pk

    other = make_listing(listing.seller)
    ran = make_paid_auction(other, starts_in=-timedelta(minutes=5))
    auction_sync(auction_id=ran.pk, now=ran.ends_at)
    assert create(other).status == AuctionStatus.PENDING_PAYMENT


# --- payment_initiate ----------------------------------------------------------


def test_payment_initiate_creates_the_fee(auction):
    payment = fee_initiate(auction_id=auction.pk, user=auction.seller)

    payment.refresh_from_db()
    assert payment.auction == auction
    assert payment.status == PaymentStatus.PENDING
    assert payment.amount == settings.AUCTION_FEE == Decimal("50000")
    assert MERCHANT_TRANS_ID.match(payment.merchant_trans_id)
    assert payment.needs_refund is False
    assert kinds(auction) == [AuctionEvent.Kind.CREATED, AuctionEvent.Kind.PAYMENT_INITIATED]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.PENDING_PAYMENT and not auction.is_paid


def test_payment_initiate_reuses_the_open_payment(auction):
    first = fee_initiate(auction_id=auction.pk, user=auction.seller)
    second = fee_initiate(auction_id=auction.pk, user=auction.seller)

    assert second.pk == first.pk
    assert second.merchant_trans_id == first.merchant_trans_id
    assert AuctionPayment.objects.filter(auction=auction).count() == 1
    assert kinds(auction).count(AuctionEvent.Kind.PAYMENT_INITIATED) == 1


def test_merchant_trans_ids_differ_between_auctions(listing, make_listing, make_auction, payment):
    other = make_auction(make_listing(listing.seller))
    other_payment = fee_initiate(auction_id=other.pk, user=other.seller)

    assert MERCHANT_TRANS_ID.match(other_payment.merchant_trans_id)
    assert other_payment.merchant_trans_id != payment.merchant_trans_id


def test_payment_initiate_only_by_the_seller(auction, buyer, make_user):
    refused("not_owner", fee_initiate, auction_id=auction.pk, user=buyer)
    refused("not_owner", fee_initiate, auction_id=auction.pk, user=make_user(is_staff=True))
    assert not AuctionPayment.objects.exists()


def test_payment_initiate_refused_once_paid(paid_auction):
    refused("already_paid", fee_initiate, auction_id=paid_auction.pk, user=paid_auction.seller)
    assert list(paid_auction.payments.values_list("status", flat=True)) == [PaymentStatus.COMPLETED]


def test_payment_initiate_refused_for_cancelled_auction(auction, payment):
    auction_cancel(auction_id=auction.pk, user=auction.seller)

    refused("not_payable", fee_initiate, auction_id=auction.pk, user=auction.seller)
    assert list(auction.payments.values_list("status", flat=True)) == [PaymentStatus.CANCELLED]


def test_payment_initiate_refused_after_the_end(auction):
    now = timezone.now()
    move_times(auction, starts_at=now - timedelta(days=2), ends_at=now - timedelta(seconds=1))

    refused("ends_in_past", fee_initiate, auction_id=auction.pk, user=auction.seller)
    assert not AuctionPayment.objects.exists()


def test_paying_the_fee_opens_the_auction(listing, make_auction):
    future = make_auction(listing, starts_in=timedelta(hours=1))
    payment = fee_initiate(auction_id=future.pk, user=future.seller)

    fee_pay_offline(payment)

    future.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.COMPLETED and payment.completed_at is not None
    assert future.is_paid and future.paid_at is not None
    assert future.status == AuctionStatus.SCHEDULED
    assert kinds(future)[-1] == AuctionEvent.Kind.PAID


def test_paying_the_fee_after_the_start_makes_it_active(listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=-timedelta(minutes=1))

    assert auction.status == AuctionStatus.ACTIVE and auction.is_paid


# --- auction_effective_status --------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(300))
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "starts", "ends", "expected"),
    [
        (AuctionStatus.PENDING_PAYMENT, HOUR, 2 * HOUR, AuctionStatus.PENDING_PAYMENT),
        (AuctionStatus.PENDING_PAYMENT, -HOUR, HOUR, AuctionStatus.PENDING_PAYMENT),
        # Unpaid when its time ran out: it can never run.
        (AuctionStatus.PENDING_PAYMENT, -2 * HOUR, -HOUR, AuctionStatus.CANCELLED),
        (AuctionStatus.CANCELLED, -HOUR, HOUR, AuctionStatus.CANCELLED),
        (AuctionStatus.CANCELLED, -2 * HOUR, -HOUR, AuctionStatus.CANCELLED),
        (AuctionStatus.ENDED, -HOUR, HOUR, AuctionStatus.ENDED),
        (AuctionStatus.SCHEDULED, HOUR, 2 * HOUR, AuctionStatus.SCHEDULED),
        (AuctionStatus.SCHEDULED, timedelta(0), HOUR, AuctionStatus.ACTIVE),
        (AuctionStatus.SCHEDULED, -HOUR, HOUR, AuctionStatus.ACTIVE),
        (AuctionStatus.SCHEDULED, -2 * HOUR, -HOUR, AuctionStatus.ENDED),
        (AuctionStatus.ACTIVE, -HOUR, HOUR, AuctionStatus.ACTIVE),
        (AuctionStatus.ACTIVE, -HOUR, timedelta(microseconds=1), AuctionStatus.ACTIVE),
        (AuctionStatus.ACTIVE, -HOUR, timedelta(0), AuctionStatus.ENDED),
        (AuctionStatus.ACTIVE, -2 * HOUR, -HOUR, AuctionStatus.ENDED),
    ],
)
def test_effective_status(status, starts, ends, expected):
    auction = Auction(status=status, starts_at=NOW + starts, ends_at=NOW + ends, is_paid=status != "pending_payment")

    assert auction_effective_status(auction, now=NOW) == expected


def test_effective_status_uses_the_clock_by_default(paid_auction):
    assert auction_effective_status(paid_auction) == AuctionStatus.ACTIVE
    paid_auction.ends_at = timezone.now() - timedelta(seconds=1)
    assert auction_effective_status(paid_auction) == AuctionStatus.ENDED


# --- auction_sync / auctions_sync_due ------------------------------------------


def test_sync_starts_a_scheduled_auction_at_its_start(listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=timedelta(hours=1))
    assert auction.status == AuctionStatus.SCHEDULED

    auction_sync(auction_id=auction.pk, now=auction.starts_at - timedelta(microseconds=1))
    assert Auction.objects.get(pk=auction.pk).status == AuctionStatus.SCHEDULED

    auction_sync(auction_id=auction.pk, now=auction.starts_at)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.ended_at is None and auction.winner is None
    assert kinds(auction)[-1] == AuctionEvent.Kind.STARTED


def test_sync_ends_an_active_auction_with_the_leader_as_winner(paid_auction, buyer, make_user):
    bid_place(auction_id=paid_auction.pk, bidder=make_user(), amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + STEP)

    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at - timedelta(microseconds=1))
    assert Auction.objects.get(pk=paid_auction.pk).status == AuctionStatus.ACTIVE

    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at)
    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.ENDED
    assert paid_auction.winner == buyer == paid_auction.leader
    assert paid_auction.ended_at == paid_auction.ends_at
    assert paid_auction.current_price == START + STEP
    ended = AuctionEvent.objects.get(auction=paid_auction, kind=AuctionEvent.Kind.ENDED)
    assert ended.data["winner_id"] == buyer.pk
    assert Decimal(ended.data["final_price"]) == START + STEP


def test_sync_ends_an_auction_without_bids_unsold(paid_auction):
    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at + timedelta(minutes=1))

    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.ENDED
    assert paid_auction.winner is None and paid_auction.leader is None
    assert paid_auction.ended_at == paid_auction.ends_at + timedelta(minutes=1)
    assert AuctionEvent.objects.get(auction=paid_auction, kind=AuctionEvent.Kind.ENDED).data["winner_id"] is None


def test_sync_is_idempotent(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at)
    after_first = Auction.objects.values().get(pk=paid_auction.pk)

    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at + timedelta(hours=1))
    auction_sync(auction_id=paid_auction.pk)

    assert Auction.objects.values().get(pk=paid_auction.pk) == after_first
    assert kinds(paid_auction).count(AuctionEvent.Kind.ENDED) == 1


def test_sync_of_a_scheduled_auction_past_its_end_starts_and_ends_it(listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=timedelta(hours=1), duration=timedelta(hours=1))

    auction_sync(auction_id=auction.pk, now=auction.ends_at + timedelta(seconds=1))

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED and auction.winner is None
    assert kinds(auction)[-2:] == [AuctionEvent.Kind.STARTED, AuctionEvent.Kind.ENDED]


def test_sync_cancels_an_unpaid_auction_whose_time_ran_out(listing, make_listing, make_auction):
    unpaid = make_auction(listing)
    payment = fee_initiate(auction_id=unpaid.pk, user=unpaid.seller)
    cancelled = make_auction(make_listing(listing.seller))
    auction_cancel(auction_id=cancelled.pk, user=cancelled.seller)
    later = unpaid.ends_at + timedelta(days=1)

    assert auctions_sync_due(now=unpaid.ends_at - timedelta(seconds=1)) == 0
    assert auctions_sync_due(now=later) == 1
    auction_sync(auction_id=unpaid.pk, now=later)
    auction_sync(auction_id=cancelled.pk, now=later)

    assert Auction.objects.get(pk=unpaid.pk).status == AuctionStatus.CANCELLED
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert Auction.objects.get(pk=cancelled.pk).status == AuctionStatus.CANCELLED
    assert AuctionEvent.objects.filter(kind__in=["started", "ended"]).count() == 0
    assert list(AuctionEvent.objects.filter(auction=unpaid, kind="cancelled").values_list("data", flat=True)) == [
        {"reason": "unpaid_before_end"}
    ]
    # The listing is free for a new auction.
    assert listing.auctions.exclude(status="cancelled").count() == 0


def test_sync_due_records_what_the_clock_decided(listing, make_listing, make_auction, make_paid_auction, buyer):
    seller = listing.seller
    to_start = make_paid_auction(listing, starts_in=timedelta(minutes=30))
    to_end = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5), duration=timedelta(minutes=20))
    running = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5))
    future = make_paid_auction(make_listing(seller), starts_in=timedelta(hours=5))
    unpaid = make_auction(make_listing(seller), starts_in=-timedelta(minutes=5), duration=timedelta(minutes=10))
    bid_place(auction_id=to_end.pk, bidder=buyer, amount=START)
    now = timezone.now() + timedelta(hours=1)

    assert auctions_sync_due(now=now) == 3

    status = dict(Auction.objects.values_list("pk", "status"))
    assert status == {
        to_start.pk: AuctionStatus.ACTIVE,
        to_end.pk: AuctionStatus.ENDED,
        running.pk: AuctionStatus.ACTIVE,
        future.pk: AuctionStatus.SCHEDULED,
        unpaid.pk: AuctionStatus.CANCELLED,
    }
    to_end.refresh_from_db()
    assert to_end.winner == buyer and to_end.ended_at == now

    events = AuctionEvent.objects.count()
    assert auctions_sync_due(now=now) == 0
    assert AuctionEvent.objects.count() == events


def test_sync_due_with_the_real_clock(listing, make_paid_auction, buyer, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 0  # soft close has its own tests; here the end must stay put
    auction = make_paid_auction(listing, starts_in=-timedelta(seconds=1), duration=timedelta(seconds=3))
    bid_place(auction_id=auction.pk, bidder=buyer, amount=START)
    assert auctions_sync_due() == 0

    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.05)

    assert auctions_sync_due() == 1
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ENDED and auction.winner == buyer
    assert auction.ended_at >= auction.ends_at
    assert auctions_sync_due() == 0


def test_auction_jobs_command_records_the_end(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    now = timezone.now()
    move_times(paid_auction, starts_at=now - timedelta(days=1), ends_at=now - timedelta(seconds=1))
    out = StringIO()

    call_command("auction_jobs", stdout=out)
    call_command("auction_jobs", stdout=out)

    assert out.getvalue().splitlines() == ["auction_jobs: 1 auction(s) updated", "auction_jobs: 0 auction(s) updated"]
    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.ENDED and paid_auction.winner == buyer
    assert kinds(paid_auction).count(AuctionEvent.Kind.ENDED) == 1


# --- auction_cancel ------------------------------------------------------------


def test_seller_cancels_an_unpaid_auction_and_its_pending_payment(auction, payment):
    auction_cancel(auction_id=auction.pk, user=auction.seller)

    auction.refresh_from_db()
    payment.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert payment.status == PaymentStatus.CANCELLED
    event = AuctionEvent.objects.filter(auction=auction).last()
    assert event.kind == AuctionEvent.Kind.CANCELLED and event.actor == auction.seller


def test_seller_cancels_a_paid_auction_before_the_first_bid(paid_auction):
    auction_cancel(auction_id=paid_auction.pk, user=paid_auction.seller)

    paid_auction.refresh_from_db()
    assert paid_auction.status == AuctionStatus.CANCELLED
    assert list(paid_auction.payments.values_list("status", flat=True)) == [PaymentStatus.COMPLETED]


def test_only_the_seller_cancels(auction, payment, buyer):
    refused("not_owner", auction_cancel, auction_id=auction.pk, user=buyer)

    auction.refresh_from_db()
    payment.refresh_from_db()
    assert auction.status == AuctionStatus.PENDING_PAYMENT
    assert payment.status == PaymentStatus.PENDING
    assert AuctionEvent.Kind.CANCELLED not in kinds(auction)


def test_no_cancel_after_the_first_bid(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)

    refused("has_bids", auction_cancel, auction_id=paid_auction.pk, user=paid_auction.seller)
    assert Auction.objects.get(pk=paid_auction.pk).status == AuctionStatus.ACTIVE


def test_no_cancel_of_an_ended_or_cancelled_auction(paid_auction, make_listing, make_auction):
    auction = make_auction(make_listing(paid_auction.seller))
    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at)
    refused("closed", auction_cancel, auction_id=paid_auction.pk, user=paid_auction.seller)

    auction_cancel(auction_id=auction.pk, user=auction.seller)
    refused("closed", auction_cancel, auction_id=auction.pk, user=auction.seller)
    assert kinds(auction).count(AuctionEvent.Kind.CANCELLED) == 1


def test_no_cancel_of_a_paid_auction_past_its_end(paid_auction):
    now = timezone.now()
    move_times(paid_auction, starts_at=now - timedelta(days=1), ends_at=now - timedelta(seconds=1))

    refused("closed", auction_cancel, auction_id=paid_auction.pk, user=paid_auction.seller)


def test_an_unpaid_auction_whose_time_passed_does_not_block_the_listing(auction, payment):
    """The fee can no longer be paid ("create a new auction"): the seller must be able to."""
    now = timezone.now()
    move_times(auction, starts_at=now - timedelta(days=1), ends_at=now - timedelta(seconds=1))
    refused("ends_in_past", fee_initiate, auction_id=auction.pk, user=auction.seller)

    auction_cancel(auction_id=auction.pk, user=auction.seller)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert create(auction.listing).status == AuctionStatus.PENDING_PAYMENT


def test_cancelled_payment_cannot_be_completed_by_click(auction, payment):
    auction_cancel(auction_id=auction.pk, user=auction.seller)

    with pytest.raises(RuntimeError, match=r"FeeCode\.CANCELLED"):
        fee_pay_offline(payment)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED and not auction.is_paid


def test_new_auction_after_one_the_clock_closed_records_the_old_result(listing, make_paid_auction, buyer, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 0  # soft close has its own tests; here the end must stay put
    old = make_paid_auction(listing, starts_in=-timedelta(seconds=2), duration=timedelta(seconds=3))
    bid_place(auction_id=old.pk, bidder=buyer, amount=START)
    time.sleep(max(0.0, (old.ends_at - timezone.now()).total_seconds()) + 0.05)
    assert Auction.objects.get(pk=old.pk).status == AuctionStatus.ACTIVE  # not recorded yet

    # The old auction sold the flat: recorded first, so the listing is sold and takes no new auction.
    with pytest.raises(AuctionRuleError) as refused:
        auction_create(
            seller=listing.seller,
            listing=listing,
            starts_at=timezone.now() + HOUR,
            ends_at=timezone.now() + 2 * HOUR,
            starting_price=Decimal("1e9"),
            bid_step=Decimal("1000000.00"),
        )
    assert refused.value.code == "sold"
    old.refresh_from_db()
    assert old.status == AuctionStatus.ENDED and old.winner == buyer
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD and listing.sold_price == START


def test_new_auction_after_an_unsold_one_the_clock_closed(listing, make_paid_auction, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 0
    old = make_paid_auction(listing, starts_in=-timedelta(seconds=2), duration=timedelta(seconds=3))
    time.sleep(max(0.0, (old.ends_at - timezone.now()).total_seconds()) + 0.05)
    assert Auction.objects.get(pk=old.pk).status == AuctionStatus.ACTIVE  # not recorded yet

    new = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=timezone.now() + HOUR,
        ends_at=timezone.now() + 2 * HOUR,
        starting_price=Decimal("1e9"),
        bid_step=Decimal("1000000.00"),
    )
    old.refresh_from_db()
    assert old.status == AuctionStatus.ENDED and old.winner is None
    assert new.status == AuctionStatus.PENDING_PAYMENT
    assert str(Auction.objects.get(pk=new.pk).starting_price) == "1000000000.00"


def test_cancelling_a_paid_auction_before_its_start_flags_the_fee_for_refund(listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=timedelta(days=1))
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    payment = AuctionPayment.objects.get(auction=auction)
    assert payment.status == "completed" and payment.needs_refund is True


def test_cancelling_a_started_auction_without_bids_keeps_the_fee(listing, make_paid_auction):
    auction = make_paid_auction(listing, starts_in=-timedelta(minutes=5))
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    assert AuctionPayment.objects.get(auction=auction).needs_refund is False


def test_sync_due_goes_on_past_a_failing_auction(monkeypatch, listing, make_listing, make_paid_auction):
    from auctions import lifecycle

    broken = make_paid_auction(listing, starts_in=timedelta(minutes=10))
    fine = make_paid_auction(make_listing(listing.seller), starts_in=timedelta(minutes=10))
    real_sync = lifecycle.auction_sync

    def sync(*, auction_id, now=None):
        if auction_id == broken.pk:
            raise RuntimeError("broken row")
        return real_sync(auction_id=auction_id, now=now)

    monkeypatch.setattr(lifecycle, "auction_sync", sync)
    assert lifecycle.auctions_sync_due(now=timezone.now() + HOUR) == 1
    assert Auction.objects.get(pk=fine.pk).status == AuctionStatus.ACTIVE
    assert Auction.objects.get(pk=broken.pk).status == AuctionStatus.SCHEDULED

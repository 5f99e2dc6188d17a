"""bid_place: who may bid, when, and how much; and the bid form's view."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from auctions.bidding import bid_place
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_cancel, auction_sync
from auctions.models import Auction, AuctionEvent, AuctionStatus, Bid

START = Decimal("800000000")
STEP = Decimal("1000000")


def state(auction: Auction) -> tuple:
    """Everything a bid may change, read fresh from the database."""
    row = Auction.objects.get(pk=auction.pk)
    return (
        row.status,
        row.current_price,
        row.leader_id,
        row.bid_count,
        row.winner_id,
        row.updated_at,
        Bid.objects.filter(auction=auction).count(),
        AuctionEvent.objects.filter(auction=auction).count(),
    )


def assert_refused(auction: Auction, code: str, **bid) -> AuctionRuleError:
    before = state(auction)
    with pytest.raises(AuctionRuleError) as excinfo:
        bid_place(auction_id=auction.pk, **bid)
    assert excinfo.value.code == code, excinfo.value.message
    assert excinfo.value.message
    assert state(auction) == before
    return excinfo.value


def move_times(auction: Auction, *, starts_at, ends_at) -> None:
    """Let the clock run past a start or an end without waiting for it."""
    Auction.objects.filter(pk=auction.pk).update(starts_at=starts_at, ends_at=ends_at)


# --- Amounts -------------------------------------------------------------------


def test_first_bid_at_starting_price_is_accepted(paid_auction, buyer):
    bid = bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)

    assert bid.amount == START
    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START
    assert paid_auction.leader == buyer
    assert paid_auction.bid_count == 1


def test_first_bid_one_soum_below_starting_price_is_refused(paid_auction, buyer):
    error = assert_refused(paid_auction, "too_low", bidder=buyer, amount=START - 1)
    assert "800\u00a0000\u00a0000" in error.message


def test_next_bid_needs_current_price_plus_step(paid_auction, buyer, make_user):
    rival = make_user()
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + 5)

    assert_refused(paid_auction, "too_low", bidder=rival, amount=START + 5 + STEP - 1)
    assert_refused(paid_auction, "too_low", bidder=rival, amount=START + 5)
    bid = bid_place(auction_id=paid_auction.pk, bidder=rival, amount=START + 5 + STEP)

    paid_auction.refresh_from_db()
    assert bid.amount == paid_auction.current_price == START + 5 + STEP
    assert paid_auction.leader == rival
    assert paid_auction.bid_count == 2


def test_a_bid_may_exceed_the_minimum(paid_auction, buyer, make_user):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + 50 * STEP)
    assert_refused(paid_auction, "too_low", bidder=make_user(), amount=START + 50 * STEP)


@pytest.mark.parametrize(
    "amount",
    [
        "800000000.5",
        Decimal("800000000.01"),
        "-800000000",
        "-1",
        "0",
        "-0",
        "0.00",
        "1000000000000",  # MAX_PRICE + 1
        "1e30",
        "9" * 40,
        "abc",
        "",
        "   ",
        "1,5",
        "800000000 сум",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        None,
    ],
)
def test_malformed_amounts_are_refused_and_write_nothing(paid_auction, buyer, amount):
    assert_refused(paid_auction, "invalid_amount", bidder=buyer, amount=amount)


def test_amount_may_be_written_with_group_spaces(paid_auction, buyer):
    bid = bid_place(auction_id=paid_auction.pk, bidder=buyer, amount="800 000\u00a0000")

    bid.refresh_from_db()
    assert bid.amount == START


def test_an_integer_amount_is_accepted(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=int(START))

    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START


# --- Who may bid ---------------------------------------------------------------


def test_seller_cannot_bid_on_own_auction(paid_auction):
    assert_refused(paid_auction, "own_auction", bidder=paid_auction.seller, amount=START)


def test_unknown_auction_is_refused(buyer):
    with pytest.raises(AuctionRuleError) as excinfo:
        bid_place(auction_id=987654321, bidder=buyer, amount=START)
    assert excinfo.value.code == "not_found"
    assert not Bid.objects.exists()


# --- When a bid is allowed -----------------------------------------------------


def test_unpaid_auction_refuses_bids(listing, make_auction, buyer):
    auction = make_auction(listing, starts_in=-timedelta(minutes=5))
    assert auction.status == AuctionStatus.PENDING_PAYMENT

    assert_refused(auction, "not_open", bidder=buyer, amount=START)


def test_unpaid_auction_with_open_payment_refuses_bids(auction, payment, buyer):
    move_times(auction, starts_at=timezone.now() - timedelta(hours=1), ends_at=auction.ends_at)

    assert_refused(auction, "not_open", bidder=buyer, amount=START)


def test_scheduled_auction_refuses_bids_before_its_start(listing, make_paid_auction, buyer):
    auction = make_paid_auction(listing, starts_in=timedelta(hours=1))
    assert auction.status == AuctionStatus.SCHEDULED

    assert_refused(auction, "not_started", bidder=buyer, amount=START)


def test_bid_after_the_end_is_refused_though_status_still_says_active(paid_auction, buyer):
    now = timezone.now()
    move_times(paid_auction, starts_at=now - timedelta(days=3), ends_at=now - timedelta(seconds=1))
    assert Auction.objects.get(pk=paid_auction.pk).status == AuctionStatus.ACTIVE

    assert_refused(paid_auction, "ended", bidder=buyer, amount=START)


def test_bid_refused_once_a_short_auction_runs_out(listing, make_paid_auction, buyer, make_user, settings):
    settings.AUCTION_SOFT_CLOSE_MINUTES = 0  # soft close has its own tests; here the end must stay put
    auction = make_paid_auction(listing, starts_in=-timedelta(seconds=1), duration=timedelta(seconds=3))
    assert auction.status == AuctionStatus.ACTIVE
    bid_place(auction_id=auction.pk, bidder=buyer, amount=START)

    time.sleep(max(0.0, (auction.ends_at - timezone.now()).total_seconds()) + 0.05)

    assert_refused(auction, "ended", bidder=make_user(), amount=START + STEP)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE  # nothing recorded the end yet; the bid checked the clock


def test_ended_auction_refuses_bids(paid_auction, buyer):
    auction_sync(auction_id=paid_auction.pk, now=paid_auction.ends_at)  # recorded early: the end is still ahead
    assert Auction.objects.get(pk=paid_auction.pk).status == AuctionStatus.ENDED

    assert_refused(paid_auction, "ended", bidder=buyer, amount=START)


def test_cancelled_auction_refuses_bids(paid_auction, buyer):
    auction_cancel(auction_id=paid_auction.pk, user=paid_auction.seller)

    assert_refused(paid_auction, "not_open", bidder=buyer, amount=START)


def test_cancelled_unpaid_auction_refuses_bids(auction, payment, buyer):
    auction_cancel(auction_id=auction.pk, user=auction.seller)
    move_times(auction, starts_at=timezone.now() - timedelta(hours=1), ends_at=auction.ends_at)

    assert_refused(auction, "not_open", bidder=buyer, amount=START)


def test_bid_on_scheduled_auction_whose_start_passed_is_accepted_and_records_active(listing, make_paid_auction, buyer):
    auction = make_paid_auction(listing, starts_in=timedelta(hours=1))
    assert auction.status == AuctionStatus.SCHEDULED
    move_times(auction, starts_at=timezone.now() - timedelta(seconds=1), ends_at=auction.ends_at)

    bid_place(auction_id=auction.pk, bidder=buyer, amount=START)

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ACTIVE
    assert auction.current_price == START
    assert auction.leader == buyer
    kinds = list(auction.events.values_list("kind", flat=True))
    assert kinds[-2:] == [AuctionEvent.Kind.STARTED, AuctionEvent.Kind.BID_PLACED]
    assert kinds.count(AuctionEvent.Kind.STARTED) == 1


# --- What an accepted bid writes -----------------------------------------------


def test_accepted_bid_updates_the_auction_and_writes_one_event(paid_auction, buyer, make_user):
    rival = make_user()
    first = bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    events_before = AuctionEvent.objects.filter(auction=paid_auction).count()

    second = bid_place(auction_id=paid_auction.pk, bidder=rival, amount=START + STEP)

    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START + STEP
    assert paid_auction.leader == rival
    assert paid_auction.bid_count == 2
    assert paid_auction.status == AuctionStatus.ACTIVE
    assert paid_auction.winner is None
    assert list(Bid.objects.filter(auction=paid_auction).order_by("id")) == [first, second]
    assert second.bidder == rival and second.auction_id == paid_auction.pk

    new_events = list(AuctionEvent.objects.filter(auction=paid_auction).order_by("id")[events_before:])
    assert [e.kind for e in new_events] == [AuctionEvent.Kind.BID_PLACED]
    assert new_events[0].actor == rival
    assert Decimal(new_events[0].data["amount"]) == START + STEP
    assert new_events[0].data["bid_id"] == second.pk


def test_leader_may_raise_own_bid(paid_auction, buyer):
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START)
    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=START + STEP)

    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START + STEP
    assert paid_auction.bid_count == 2


# --- Through the web -----------------------------------------------------------


def bid_url(auction: Auction) -> str:
    return reverse("auctions:bid", args=[auction.pk])


def test_web_bid_by_signed_in_buyer_is_recorded(client, paid_auction, buyer):
    client.force_login(buyer)

    response = client.post(bid_url(paid_auction), {"amount": str(START)})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("auctions:detail", args=[paid_auction.pk]))
    bid = Bid.objects.get(auction=paid_auction)
    assert bid.bidder == buyer and bid.amount == START
    paid_auction.refresh_from_db()
    assert paid_auction.current_price == START and paid_auction.leader == buyer


def test_web_bid_success_message_is_shown(client, paid_auction, buyer):
    client.force_login(buyer)

    response = client.post(bid_url(paid_auction), {"amount": str(START)}, follow=True)

    assert response.status_code == 200
    assert "принята" in response.content.decode()


def test_web_bid_by_anonymous_redirects_to_login(client, paid_auction):
    response = client.post(bid_url(paid_auction), {"amount": str(START)})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("abc", None),
        ("", None),
        ("1.5", None),
        ("-5", None),
        ("1" + "0" * 20, None),
        (str(START - 1), "800\u00a0000\u00a0000"),
    ],
)
def test_web_bad_bid_shows_an_error_and_writes_nothing(client, paid_auction, buyer, amount, text):
    client.force_login(buyer)
    before = state(paid_auction)

    response = client.post(bid_url(paid_auction), {"amount": amount}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(reverse("auctions:detail", args=[paid_auction.pk]))
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1, errors
    page = response.content.decode()
    assert errors[0] in page
    if text:
        assert text in errors[0]
    assert state(paid_auction) == before


def test_web_bid_by_seller_shows_an_error(client, paid_auction):
    client.force_login(paid_auction.seller)

    response = client.post(bid_url(paid_auction), {"amount": str(START)}, follow=True)

    assert response.status_code == 200
    assert "Продавец не может" in response.content.decode()
    assert not Bid.objects.exists()


def test_web_bid_on_missing_auction_is_404(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("auctions:bid", args=[987654321]), {"amount": str(START)})

    assert response.status_code == 404


def test_web_get_on_bid_url_is_405(client, paid_auction, buyer):
    client.force_login(buyer)

    response = client.get(bid_url(paid_auction))

    assert response.status_code == 405
    assert not Bid.objects.exists()

"""Sold flats (issue 14, item 1): an auction that sells marks its flat sold, at its price; the seller
can mark a flat sold, archive it or relist it; sold flats leave search but keep their page and stay
in favourites; nothing of it while an auction is open."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from auctions.bidding import auction_buy_now, bid_place
from auctions.errors import AuctionRuleError
from auctions.lifecycle import auction_close, auction_create
from auctions.models import Auction
from listings import services
from listings.models import ListingStatus
from listings.selectors import SearchParams, listings_favorite_of, listings_newest, listings_search

pytestmark = pytest.mark.django_db

START = Decimal("396000000")


def _end_now(auction: Auction) -> Auction:
    Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    return auction_close(auction_id=auction.pk)


@pytest.fixture
def running(listing, make_paid_auction) -> Auction:
    return make_paid_auction(listing, starts_in=-timedelta(minutes=5), starting_price=START)


def test_an_auction_that_sells_marks_its_flat_sold_at_the_final_price(running, buyer):
    bid_place(auction_id=running.pk, bidder=buyer, amount=START)
    _end_now(running)
    listing = running.listing
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD and listing.sold_price == START and listing.sold_at is not None
    assert listing not in listings_search(params=SearchParams())
    assert listing not in listings_newest()


def test_buy_now_marks_the_flat_sold(listing, make_paid_auction, buyer):
    auction = make_auction_with_buy_now(listing, make_paid_auction)
    auction_buy_now(auction_id=auction.pk, buyer=buyer)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD and listing.sold_price == Decimal("1200000000")


def make_auction_with_buy_now(listing, make_paid_auction) -> Auction:
    now = timezone.now()
    auction = auction_create(
        seller=listing.seller,
        listing=listing,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        starting_price=Decimal("800000000"),
        bid_step=Decimal("1000000"),
        buy_now_price=Decimal("1200000000"),
    )
    from fees.demo import fee_pay_offline
    from fees.services import fee_initiate

    fee_pay_offline(fee_initiate(auction_id=auction.pk, user=listing.seller))
    return Auction.objects.get(pk=auction.pk)


def test_an_auction_without_a_winner_leaves_the_flat_for_sale(running):
    _end_now(running)
    running.listing.refresh_from_db()
    assert running.listing.status == ListingStatus.PUBLISHED
    assert running.listing in listings_search(params=SearchParams())


def test_the_sold_page_the_cards_and_favourites(client, running, buyer):
    services.favorite_add(user=buyer, listing_id=running.listing_id)
    bid_place(auction_id=running.pk, bidder=buyer, amount=START)
    _end_now(running)
    page = client.get(running.listing.get_absolute_url()).content.decode()
    assert 'data-testid="sold-banner"' in page and "Продано за 396\u00a0000\u00a0000\u00a0сум" in page
    assert running.listing in listings_favorite_of(user_id=buyer.pk)
    client.force_login(buyer)
    favourites = client.get("/favorites/").content.decode()
    assert 'data-testid="card-sold"' in favourites and "Продано за 396\u00a0000\u00a0000\u00a0сум" in favourites
    # The buyer may still take it out of favourites.
    assert client.post(f"/listings/{running.listing_id}/favorite/").status_code == 302
    assert running.listing not in listings_favorite_of(user_id=buyer.pk)


def test_a_sold_flat_takes_no_new_auction_until_relisted(running, buyer, settings):
    bid_place(auction_id=running.pk, bidder=buyer, amount=START)
    _end_now(running)
    listing = running.listing
    now = timezone.now()
    window = {"starts_at": now + timedelta(hours=1), "ends_at": now + timedelta(days=2), "starting_price": START}
    with pytest.raises(AuctionRuleError) as refused:
        auction_create(seller=listing.seller, listing=listing, **window)
    assert refused.value.code == "sold"
    settings.LISTINGS_AUTO_APPROVE = True
    listing = services.listing_relist(listing=listing, user=listing.seller)
    assert listing.status == ListingStatus.PUBLISHED and listing.sold_price is None and listing.sold_at is None
    assert auction_create(seller=listing.seller, listing=listing, **window).status == "pending_payment"


def test_relisting_goes_through_moderation_when_it_is_on(listing, settings):
    services.listing_mark_sold(listing=listing, user=listing.seller)
    settings.LISTINGS_AUTO_APPROVE = False
    assert services.listing_relist(listing=listing, user=listing.seller).status == ListingStatus.REVIEW


def test_the_seller_marks_sold_archives_and_relists_through_the_pages(client, listing, buyer, settings):
    settings.LISTINGS_AUTO_APPROVE = True
    url = listing.get_absolute_url()
    client.force_login(buyer)  # not theirs: nothing happens
    assert client.post(f"/listings/{listing.pk}/sold/", {"sold_price": "1"}).status_code == 404
    assert client.post(f"/listings/{listing.pk}/archive/").status_code == 404
    client.force_login(listing.seller)
    page = client.post(f"/listings/{listing.pk}/sold/", {"sold_price": "abc"}, follow=True).content.decode()
    assert "Цена продажи: введите сумму в сумах." in page
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED  # bad input changed nothing
    client.post(f"/listings/{listing.pk}/sold/", {"sold_price": "840 000 000"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD and listing.sold_price == Decimal("840000000")
    # Editing a sold flat keeps it sold (it does not go back on sale by the back door).
    services.listing_update(listing=listing, user=listing.seller, title="Новое название")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD
    client.post(f"/listings/{listing.pk}/archive/")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ARCHIVED
    assert "В архиве" in client.get(url).content.decode()
    client.logout()
    assert client.get(url).status_code == 404  # nobody else sees it
    client.force_login(listing.seller)
    client.post(f"/listings/{listing.pk}/relist/")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


@pytest.mark.parametrize("paid", [True, False], ids=["running auction", "unpaid auction"])
def test_no_sold_or_archive_while_an_auction_is_open(client, listing, paid, make_paid_auction, make_auction):
    (make_paid_auction if paid else make_auction)(listing)
    for action in (services.listing_mark_sold, services.listing_archive):
        with pytest.raises(ValidationError) as refused:
            action(listing=listing, user=listing.seller)
        assert refused.value.code == "auction_open"
    client.force_login(listing.seller)
    page = client.post(f"/listings/{listing.pk}/sold/", follow=True).content.decode()
    assert "открыт аукцион" in page
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert 'data-testid="mark-sold"' not in page and 'data-testid="archive"' not in page


def test_cards_carry_the_auction_state_in_one_query(
    client, seller, make_listing, make_paid_auction, django_assert_num_queries
):
    running = make_listing(seller, title="На торгах")
    make_paid_auction(running, starts_in=-timedelta(minutes=5))
    upcoming = make_listing(seller, title="Скоро торги")
    make_paid_auction(upcoming, starts_in=timedelta(days=1))
    make_listing(seller, title="Без торгов")
    with django_assert_num_queries(2):  # rows with the auction's state, photos
        cards = {x.title: x for x in listings_newest()}
    assert cards["На торгах"].auction_ends_at is not None and cards["На торгах"].auction_start_price == Decimal(
        "800000000"
    )
    assert cards["Скоро торги"].auction_ends_at is None and cards["Скоро торги"].auction_starts_at is not None
    assert cards["Без торгов"].auction_ends_at is None and cards["Без торгов"].auction_starts_at is None
    home = client.get("/").content.decode()
    assert home.count('data-testid="card-state"') == 2  # "Новые объявления": the two flats with an auction
    assert "Аукцион с " in home

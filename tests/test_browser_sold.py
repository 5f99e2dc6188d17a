"""Sold flats in a real browser (issue 14, item 1): a flat whose auction sold, or that its seller marks
sold, shows as sold with its price and leaves search; the seller relists or archives it; cards on the
home page, in favourites and in search show the auction's state."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from auctions.bidding import bid_place
from auctions.lifecycle import auction_close
from auctions.models import Auction
from listings.models import Listing, ListingStatus
from listings.services import favorite_add
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NB = "\u00a0"


def _sign_in(browser, live_server, user, width: int = 1280):
    page = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Войти')")
    expect(page.locator("button:has-text('Выйти')")).to_be_visible()
    return page


def _card(page, title: str):
    return page.locator("[data-testid=listing-card]", has=page.locator(".card-title", has_text=title))


def test_sold_flats_leave_search_and_show_as_sold_and_cards_show_the_auction(
    live_server, seller, buyer, make_listing, make_paid_auction
):
    plain = make_listing(seller, title="Просто квартира", price=Decimal("500000000"))
    running = make_listing(seller, title="Квартира на торгах", price=Decimal("700000000"))
    make_paid_auction(running, starts_in=-timedelta(minutes=5), starting_price=Decimal("650000000"))
    soon = make_listing(seller, title="Квартира, торги скоро", price=Decimal("600000000"))
    make_paid_auction(soon, starts_in=timedelta(days=2))
    by_auction = make_listing(seller, title="Продана на аукционе", price=Decimal("400000000"))
    sold_auction = make_paid_auction(by_auction, starts_in=-timedelta(minutes=5), starting_price=Decimal("396000000"))
    bid_place(auction_id=sold_auction.pk, bidder=buyer, amount=Decimal("396000000"))
    Auction.objects.filter(pk=sold_auction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    auction_close(auction_id=sold_auction.pk)
    by_seller = make_listing(seller, title="Продам сам", price=Decimal("550000000"))
    for listing in (running, by_auction):
        favorite_add(user=buyer, listing_id=listing.pk)

    with launch_browser() as browser:
        visitor = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}).new_page()
        visitor.set_default_timeout(20_000)

        # Home, "Новые объявления": the auction's state on each card; the sold flat is not offered.
        visitor.goto(f"{live_server.url}/")
        expect(_card(visitor, "Квартира на торгах").get_by_test_id("card-state")).to_have_text("Идут торги")
        expect(_card(visitor, "Квартира на торгах").get_by_test_id("card-bid")).to_have_text(
            f"Старт 650{NB}000{NB}000{NB}сум"
        )
        expect(_card(visitor, "Квартира, торги скоро").get_by_test_id("card-state")).to_contain_text("Аукцион с ")
        expect(_card(visitor, "Просто квартира").get_by_test_id("card-state")).to_have_count(0)
        expect(_card(visitor, "Продана на аукционе")).to_have_count(0)

        # Search: the sold flat is gone from the default results.
        visitor.goto(f"{live_server.url}/listings/")
        expect(visitor.get_by_test_id("result-count")).to_have_text("4 объявления")
        expect(_card(visitor, "Продана на аукционе")).to_have_count(0)
        expect(_card(visitor, "Квартира на торгах").get_by_test_id("card-state")).to_have_text("Идут торги")

        # Its page is still there, marked sold at the auction's price.
        visitor.goto(f"{live_server.url}{by_auction.get_absolute_url()}")
        expect(visitor.get_by_test_id("sold-banner")).to_contain_text(f"Продано за 396{NB}000{NB}000{NB}сум")
        expect(visitor.get_by_test_id("auction-status")).to_have_text("Завершён")

        # The buyer's favourites: the sold one is marked sold, the other shows its auction.
        buyer_page = _sign_in(browser, live_server, buyer)
        buyer_page.goto(f"{live_server.url}/favorites/")
        expect(_card(buyer_page, "Продана на аукционе").get_by_test_id("card-state")).to_have_text("Продано")
        expect(_card(buyer_page, "Продана на аукционе").get_by_test_id("card-sold")).to_have_text(
            f"Продано за 396{NB}000{NB}000{NB}сум"
        )
        expect(_card(buyer_page, "Квартира на торгах").get_by_test_id("card-state")).to_have_text("Идут торги")

        # The seller sold a flat outside the auction: marks it sold, with the price, on a phone.
        seller_page = _sign_in(browser, live_server, seller, width=390)
        seller_page.goto(f"{live_server.url}{by_seller.get_absolute_url()}")
        seller_page.get_by_test_id("mark-sold").locator("summary").click()
        seller_page.fill("#id_sold_price", "540 000 000")
        seller_page.click("button:has-text('Отметить проданной')")
        expect(seller_page.get_by_test_id("sold-banner")).to_contain_text(f"Продано за 540{NB}000{NB}000{NB}сум")
        visitor.goto(f"{live_server.url}/listings/")
        expect(visitor.get_by_test_id("result-count")).to_have_text("3 объявления")
        expect(_card(visitor, "Продам сам")).to_have_count(0)

        # ...relists it: back in search, for sale again.
        seller_page.get_by_test_id("relist").click()
        expect(seller_page.get_by_test_id("sold-banner")).to_have_count(0)
        visitor.goto(f"{live_server.url}/listings/")
        expect(_card(visitor, "Продам сам")).to_have_count(1)

        # ...or archives it: only the seller sees it.
        seller_page.once("dialog", lambda dialog: dialog.accept())
        seller_page.get_by_test_id("archive").click()
        expect(seller_page.get_by_test_id("listing-status")).to_contain_text("В архиве")
        response = visitor.goto(f"{live_server.url}{by_seller.get_absolute_url()}")
        assert response is not None and response.status == 404

        # A flat with a running auction cannot be marked sold or archived from its page.
        seller_page.goto(f"{live_server.url}{running.get_absolute_url()}")
        expect(seller_page.get_by_test_id("mark-sold")).to_have_count(0)
        expect(seller_page.get_by_test_id("archive")).to_have_count(0)

    assert Listing.objects.get(pk=by_auction.pk).status == ListingStatus.SOLD
    assert Listing.objects.get(pk=by_seller.pk).status == ListingStatus.ARCHIVED
    assert Listing.objects.get(pk=plain.pk).status == ListingStatus.PUBLISHED

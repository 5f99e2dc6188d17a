"""The buyer's bids in a real browser: reached from the header's menu, every state readable, a table
on a computer and a card per auction on a phone, never wider than a 390 px screen, in ru, uz and en."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from auctions.bidding import bid_place
from auctions.lifecycle import auction_cancel, auction_sync
from auctions.models import Auction
from listings.demo_images import demo_photo
from listings.models import ListingPhoto
from tests.browser import launch_browser
from tests.test_browser_mobile_ux import _assert_fits, _context, _sign_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("media_served"),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
M = Decimal(1_000_000)


def test_my_bids_from_the_menu_on_a_computer_and_a_phone(
    live_server, seller, buyer, make_user, make_listing, make_paid_auction, make_operator
):
    rival = make_user(first_name="Соперник")
    titles = [
        "3-комнатная у метро Минор",
        "2-комнатная в Юнусабаде",
        "Студия в Мирзо-Улугбеке, новостройка с ремонтом и видом на парк",
        "4-комнатная на Чиланзаре",
        "1-комнатная у Анхора",
        "2-комнатная в Сергели",
    ]
    auctions = []
    for index, title in enumerate(titles):
        listing = make_listing(seller, title=title, price=Decimal("900000000"))
        if index != 4:  # one without photos: the house icon stands in
            ListingPhoto.objects.create(listing=listing, image=ContentFile(demo_photo(index), name=f"p{index}.jpg"))
        auctions.append(make_paid_auction(listing, starts_in=-timedelta(minutes=5)))
    leading, outbid, won, lost, unsold, cancelled = auctions
    bid_place(auction_id=leading.pk, bidder=buyer, amount=800 * M, max_amount=875 * M)
    bid_place(auction_id=outbid.pk, bidder=buyer, amount=800 * M)
    bid_place(auction_id=outbid.pk, bidder=rival, amount=815 * M)
    for auction, winner, loser in ((won, buyer, rival), (lost, rival, buyer)):
        bid_place(auction_id=auction.pk, bidder=loser, amount=800 * M)
        bid_place(auction_id=auction.pk, bidder=winner, amount=1_125 * M)
    Auction.objects.filter(pk=unsold.pk).update(reserve_price=1_000 * M)
    bid_place(auction_id=unsold.pk, bidder=buyer, amount=800 * M)
    for auction in (won, lost, unsold):
        Auction.objects.filter(pk=auction.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
        auction_sync(auction_id=auction.pk)
    bid_place(auction_id=cancelled.pk, bidder=buyer, amount=800 * M)
    auction_cancel(auction_id=cancelled.pk, user=make_operator(), reason="Ошибка в объявлении")

    with launch_browser() as browser:
        for lang, menu_link in (("ru", "Мои ставки"), ("uz", "Stavkalarim"), ("en", "My bids")):
            for width in (1280, 390):
                context = _context(browser, live_server, width=width, lang=lang)
                page = context.new_page()
                page.set_default_timeout(20_000)
                _sign_in(page, live_server, buyer)
                page.goto(f"{live_server.url}/")
                if width == 390:
                    page.get_by_test_id("menu-button").click()
                page.get_by_test_id("site-menu").get_by_role("link", name=menu_link).click()
                expect(page).to_have_url(f"{live_server.url}/dashboard/bids/")
                expect(page.get_by_test_id("my-bid")).to_have_count(6)
                states = [row.get_attribute("data-state") for row in page.get_by_test_id("my-bid").all()]
                assert sorted(states) == sorted(["leading", "outbid", "won", "lost", "unsold", "cancelled"])
                row = page.locator(f"[data-testid=my-bid][data-auction='{outbid.pk}']")
                expect(row.get_by_test_id("bid-again")).to_be_visible()
                won_row = page.locator(f"[data-testid=my-bid][data-auction='{won.pk}']")
                expect(won_row.get_by_test_id("my-bid-seller-phone")).to_be_visible()
                header = page.locator("header.topbar").bounding_box()
                assert header is not None and header["height"] <= 65  # the header is still one row
                _assert_fits(page, width)
                if width == 390:  # a card per auction: no table header, the labels beside the values
                    expect(page.locator(".my-bids thead")).to_be_hidden()
                else:  # the whole table in view on a computer, not scrolled inside its box
                    box = page.locator(".table-scroll")
                    assert box.evaluate("(el) => el.scrollWidth <= el.clientWidth"), lang
                shot(page, f"h_bids_{width}_{lang}")
                page.goto(f"{live_server.url}/dashboard/")
                _assert_fits(page, width)
                shot(page, f"h_bids_dashboard_{width}_{lang}")
                page.get_by_test_id("my-bids-link").click()
                expect(page).to_have_url(f"{live_server.url}/dashboard/bids/")
                context.close()
        # Someone who never bid: the empty page sends them to the running auctions.
        context = _context(browser, live_server, width=390)
        page = context.new_page()
        page.set_default_timeout(20_000)
        _sign_in(page, live_server, make_user(first_name="Новичок"))
        page.goto(f"{live_server.url}/dashboard/bids/")
        empty = page.get_by_test_id("my-bids-empty")
        expect(empty).to_be_visible()
        _assert_fits(page, 390)
        shot(page, "h_bids_390_empty")
        empty.get_by_role("link").click()
        expect(page.locator("#auctions")).to_be_visible()
        context.close()

"""The site on a phone and the favourite heart in a real browser (issue 14, item 10): a one-row header
with a menu that opens without JavaScript, no page wider than a 390 px screen, the heart on cards,
"В избранное" while signed out kept through sign-in, the e-mail for notifications, and the site's own
404 page."""

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from auctions.bidding import bid_place
from listings.demo_images import demo_photo
from listings.models import ListingPhoto
from tests.browser import launch_browser
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("media_served"),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
SHOTS = os.environ.get("SHOTS_DIR")  # e.g. /work/helpers/shots/ux-gallery: screenshots for a look by eye

# What makes a page wider than the screen: the elements whose right edge passes it.
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && getComputedStyle(el).position !== "fixed")
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
    .slice(0, 10);
}"""


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _context(browser, live_server, *, width: int, lang: str = "ru", javascript: bool = True):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    return context


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator(".session button")).to_be_visible()


def _assert_fits(page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, page.evaluate(WIDER_THAN_SCREEN)


def test_every_page_fits_a_phone_and_the_header_is_one_row(
    live_server, seller, buyer, make_listing, make_paid_auction, make_auction
):
    listing = make_listing(seller, title="Квартира на торгах", price=Decimal("700000000"))
    for index in range(3):
        ListingPhoto.objects.create(
            listing=listing, image=ContentFile(demo_photo(index), name=f"p{index}.jpg"), position=index
        )
    auction = make_paid_auction(listing, starts_in=-timedelta(minutes=5), starting_price=Decimal("650000000"))
    bid_place(auction_id=auction.pk, bidder=buyer, amount=Decimal("650000000"))
    soon = make_listing(seller, title="Квартира, торги скоро")
    scheduled = make_paid_auction(soon, starts_in=timedelta(days=2))
    unpaid = make_listing(seller, title="Квартира без оплаты")
    pending = make_auction(unpaid)  # not paid yet: the seller's page offers to pay
    from listings.services import favorite_add

    favorite_add(user=buyer, listing_id=soon.pk)
    # Long values in the two-column specs on a phone (an 8-digit price per m², long Uzbek words) once made
    # the page wider than the screen: the grid grew to its longest words.
    tiny = make_listing(seller, title="Студия-кладовая", price=Decimal("990000000"), area=Decimal("10.5"))
    tiny_auction = make_paid_auction(tiny, starts_in=-timedelta(minutes=5), starting_price=Decimal("900000000"))
    # A 10-digit price in the big price line ("1 250 000 000 so‘m") was 14 px too wide at 360 px in Uzbek.
    dear = make_listing(seller, title="Пентхаус", price=Decimal("1250000000"))
    pages = {
        "home": "/",
        "search": "/listings/",
        "listing": listing.get_absolute_url(),
        "auction": auction.get_absolute_url(),
        "auction-scheduled": scheduled.get_absolute_url(),
        "favorites": "/favorites/",
        "notifications": "/notifications/",
        "not-found": "/no-such-page/",
    }
    with launch_browser() as browser:
        for lang in ("ru", "uz"):
            for width in (390, 1280):
                context = _context(browser, live_server, width=width, lang=lang)
                page = context.new_page()
                page.set_default_timeout(20_000)
                _sign_in(page, live_server, buyer)
                for name, url in pages.items():
                    page.goto(f"{live_server.url}{url}")
                    _assert_fits(page, width)
                    header = page.locator("header.topbar").bounding_box()
                    assert header["height"] <= 65, name  # one row (64 px and its border)
                    # The footer ends at the window's bottom edge or below it, never mid-screen on a short page.
                    footer_bottom = page.evaluate(
                        "document.querySelector('body > footer').getBoundingClientRect().bottom + window.scrollY"
                    )
                    assert footer_bottom >= page.viewport_size["height"] - 1, name
                    shot(page, f"{name}-{width}-{lang}")
                context.close()
            for width in (390, 360):
                context = _context(browser, live_server, width=width, lang=lang)
                page = context.new_page()
                page.set_default_timeout(20_000)
                for item in (tiny, tiny_auction, dear):
                    page.goto(f"{live_server.url}{item.get_absolute_url()}")
                    _assert_fits(page, width)
                context.close()
            # The seller's side of an auction (the fee panel) and a visitor's, on a phone.
            for who, urls in ((seller, [auction, scheduled, pending]), (None, [auction, scheduled])):
                context = _context(browser, live_server, width=390, lang=lang)
                page = context.new_page()
                page.set_default_timeout(20_000)
                if who is not None:
                    _sign_in(page, live_server, who)
                for item in urls:
                    page.goto(f"{live_server.url}{item.get_absolute_url()}")
                    _assert_fits(page, 390)
                if who is not None:
                    shot(page, f"auction-seller-390-{lang}")
                context.close()


# The header's links, each on one line and none past the header's right edge.
HEADER_LINKS = """() => {
  const box = document.querySelector("header.topbar .container").getBoundingClientRect();
  const links = Array.from(document.querySelectorAll("header.topbar .nav a"));
  const buttons = Array.from(document.querySelectorAll("header.topbar .actions > *, header.topbar .session > *"));
  const broken = links.filter((el) => el.getClientRects().length > 1 || el.getBoundingClientRect().height > 30);
  const past = [...links, ...buttons].filter((el) => el.getBoundingClientRect().right > box.right + 0.5);
  return [...broken, ...past].map((el) => `${el.textContent.trim()} ${Math.round(el.getBoundingClientRect().height)}`);
}"""


def test_a_staff_members_header_keeps_every_link_on_one_line(live_server, make_user):
    """Six links for staff (with "Мои ставки" and "Модерация"), the language and two buttons: at
    1280 px "Мои ставки" broke onto two lines. Now the links never break, and below 1080 px the
    header folds them into its menu, as on a phone."""
    staff = make_user(first_name="Оператор", is_staff=True)
    with launch_browser() as browser:
        for lang in ("ru", "uz", "en"):
            context = _context(browser, live_server, width=1280, lang=lang)
            page = context.new_page()
            page.set_default_timeout(20_000)
            _sign_in(page, live_server, staff)
            for width in (1440, 1280, 1100, 1081, 1080, 1024, 901):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_server.url}/listings/")
                folded = width <= 1080
                moderation = page.locator("header nav").get_by_role("link", name=re.compile("Модерация|Moderat"))
                if folded:
                    expect(page.get_by_test_id("menu-button")).to_be_visible()
                else:
                    expect(page.get_by_test_id("menu-button")).to_be_hidden()
                    expect(moderation).to_be_visible()
                assert page.evaluate(HEADER_LINKS) == [], (lang, width)
                _assert_fits(page, width)
            context.close()


def test_the_header_menu_opens_without_javascript(live_server, buyer):
    with launch_browser() as browser:
        for javascript in (True, False):
            context = _context(browser, live_server, width=390, javascript=javascript)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/")
            # One row: the logo, "Войти" and the menu button; the links wait in the menu.
            expect(page.locator(".session a")).to_be_visible()
            expect(page.get_by_test_id("site-menu")).to_be_hidden()
            rows = {round(page.locator(sel).bounding_box()["y"]) // 20 for sel in (".logo", ".session", ".menu-button")}
            assert len(rows) == 1
            page.get_by_test_id("menu-button").click()
            expect(page.get_by_test_id("site-menu")).to_be_visible()
            shot(page, f"menu-open-390-ru{'' if javascript else '-nojs'}")
            if javascript:  # Esc and a tap outside close it
                page.keyboard.press("Escape")
                expect(page.get_by_test_id("site-menu")).to_be_hidden()
                page.get_by_test_id("menu-button").click()
                page.mouse.click(200, 600)
                expect(page.get_by_test_id("site-menu")).to_be_hidden()
                page.get_by_test_id("menu-button").click()
            page.get_by_test_id("site-menu").get_by_role("link", name="Квартиры").click()
            expect(page).to_have_url(f"{live_server.url}/listings/")
            expect(page.get_by_test_id("site-menu")).to_be_hidden()
            context.close()
        # At 1280 px there is no menu button: the links are in the header.
        context = _context(browser, live_server, width=1280)
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        expect(page.get_by_test_id("menu-button")).to_be_hidden()
        expect(page.locator("header nav").get_by_role("link", name="Квартиры")).to_be_visible()


def _heart(page, title: str):
    card = page.locator("[data-testid=listing-card]", has=page.locator(".card-title", has_text=title))
    return card.get_by_test_id("card-favorite")


def test_the_heart_on_cards_and_the_favourite_kept_through_sign_in(live_server, seller, buyer, make_listing):
    from django.core.cache import cache

    from core.sms import sms_outbox

    make_listing(seller, title="Квартира у парка")
    make_listing(seller, title="Квартира у метро")
    cache.clear()  # rate-limit counters of earlier runs
    sms_outbox.clear()
    with launch_browser() as browser:
        # Signed out, on the home page: the heart asks to sign in, and after it the flat is a favourite.
        context = _context(browser, live_server, width=390)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/")
        expect(_heart(page, "Квартира у парка")).to_have_attribute("aria-pressed", "false")
        _heart(page, "Квартира у парка").click()
        page.fill("input[name=phone]", buyer.phone.removeprefix("+998"))
        page.click("button:has-text('Получить код')")
        import re

        code = re.search(r"\d{6}", sms_outbox[-1].text).group(0)
        page.fill("input[name=code]", code)
        page.locator("main button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/")  # back where the heart was pressed
        expect(page.locator(".messages")).to_contain_text("Добавлено в избранное")
        expect(_heart(page, "Квартира у парка")).to_have_attribute("aria-pressed", "true")
        expect(_heart(page, "Квартира у метро")).to_have_attribute("aria-pressed", "false")
        assert list(buyer.favorites.values_list("listing__title", flat=True)) == ["Квартира у парка"]
        shot(page, "home-hearts-390-ru")

        # Signed in, in search: the heart turns in place, no page load.
        page.goto(f"{live_server.url}/listings/")
        url = page.url
        expect(_heart(page, "Квартира у парка")).to_have_attribute("aria-pressed", "true")
        _heart(page, "Квартира у метро").click()
        expect(_heart(page, "Квартира у метро")).to_have_attribute("aria-pressed", "true")
        assert page.url == url and page.locator(".messages").count() == 0
        _heart(page, "Квартира у парка").click()
        expect(_heart(page, "Квартира у парка")).to_have_attribute("aria-pressed", "false")
        assert list(buyer.favorites.values_list("listing__title", flat=True)) == ["Квартира у метро"]

        # The favourites page: its cards' hearts are on.
        page.goto(f"{live_server.url}/favorites/")
        expect(page.locator("[data-testid=listing-card]")).to_have_count(1)
        expect(_heart(page, "Квартира у метро")).to_have_attribute("aria-pressed", "true")
        context.close()

        # Without JavaScript the heart is a form: the page comes back with it on.
        context = _context(browser, live_server, width=1280, javascript=False)
        page = context.new_page()
        page.set_default_timeout(20_000)
        _sign_in(page, live_server, buyer)
        page.goto(f"{live_server.url}/listings/")
        _heart(page, "Квартира у парка").click()
        expect(page).to_have_url(f"{live_server.url}/listings/")
        expect(_heart(page, "Квартира у парка")).to_have_attribute("aria-pressed", "true")
        assert buyer.favorites.count() == 2


# The select's options that it cannot show whole: each option's text, measured in the select's own font,
# against the box inside its border, padding and drop-down arrow (Chromium draws the arrow in a strip of
# about 20 px at the right; 24 are allowed).
SELECT_CUT_OPTIONS = """(select) => {
  const style = getComputedStyle(select);
  const probe = document.createElement("span");
  probe.style.cssText = "position: absolute; visibility: hidden; white-space: pre";
  probe.style.font = style.font;
  probe.style.letterSpacing = style.letterSpacing;
  document.body.append(probe);
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
  const cut = Array.from(select.options)
    .map((option) => { probe.textContent = option.text; return [option.text, probe.getBoundingClientRect().width]; })
    .filter(([, width]) => width > room)
    .map(([text, width]) => `${text}: ${Math.round(width)} > ${Math.round(room)}`);
  probe.remove();
  return cut;
}"""


@pytest.mark.parametrize("lang", ["ru", "uz"])
def test_the_home_search_region_fits_a_phone_whole(live_server, seller, make_listing, lang):
    """The hero's region select was a half-row box on a phone: "Весь Узбекистан" and every Uzbek region
    name ("Qoraqalpog‘iston Respublikasi") were cut at 390 and 360 px."""
    make_listing(seller)
    with launch_browser() as browser:
        for width in (390, 360):
            context = _context(browser, live_server, width=width, lang=lang)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}/")
            _assert_fits(page, width)
            region = page.locator(".hero-search select[name=region]")
            box = region.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
            assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
            assert region.evaluate(SELECT_CUT_OPTIONS) == [], f"{lang} at {width}px"
            # The rooms and the button share the row under it, both whole.
            rooms, button = page.locator(".hero-search select[name=rooms]"), page.locator(".hero-search button")
            assert rooms.evaluate(SELECT_CUT_OPTIONS) == []
            assert button.evaluate("el => el.scrollWidth <= el.clientWidth && el.getClientRects().length === 1")
            shot(page, f"home-search-{width}-{lang}")
            context.close()


# The words of the elements matched that are split across two lines: a Range over each word (hyphens and
# spaces part words, so "Мирзо-" / "Улугбекский" is a wrap at the hyphen) and the lines its boxes are on.
WORDS_SPLIT = """(selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-‐]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const lines = new Set(boxes.map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(`${selector}: ${match[0]}`);
      }
    }
  }
  return split;
}"""
PLACE_TEXT = [".spec b", ".crumbs", ".card-meta", ".card-foot", ".checks label"]


@pytest.mark.parametrize("lang", ["ru", "uz"])
def test_district_names_wrap_between_words_on_a_phone(live_server, seller, make_listing, make_paid_auction, lang):
    """The listing's specs were two fixed columns whose values broke anywhere (overflow-wrap: anywhere):
    "Шайхантаху|рский район", "Shayxontohu|r tumani", "Дизайнерск|ий" at 390 px."""
    from listings.models import District

    listings = [
        make_listing(seller, title=f"Квартира {slug}", district=District.objects.get(slug=slug), renovation="designer")
        for slug in ("shaykhantakhur", "mirzo-ulugbek", "yakkasaray")
    ]
    make_paid_auction(listings[0], starts_in=-timedelta(minutes=5))
    far = make_listing(
        seller, title="Квартира в Нукусе", region="karakalpakstan", district=District.objects.get(slug="nukus")
    )
    urls = [item.get_absolute_url() for item in [*listings, far]]
    urls += [listings[0].auctions.get().get_absolute_url(), "/", "/listings/?region=tashkent_city"]
    with launch_browser() as browser:
        for width in (390, 360):
            context = _context(browser, live_server, width=width, lang=lang)
            page = context.new_page()
            page.set_default_timeout(20_000)
            for url in urls:
                page.goto(f"{live_server.url}{url}")
                if url.startswith("/listings/?"):
                    page.click("label.filters-button")  # the district boxes too
                _assert_fits(page, width)
                split = [word for selector in PLACE_TEXT for word in page.evaluate(WORDS_SPLIT, selector)]
                assert split == [], f"{url} at {width}px in {lang}"
                if width == 390 and url == urls[0]:
                    shot(page, f"listing-districts-390-{lang}")
            context.close()


# The phone numbers in an auction's bid history that are split across lines: a Range over each number's
# text ("+998 90 *** ** 04", whatever element holds it) and the lines its boxes are on; and what in a
# row passes the list's right edge.
BID_ROWS_BROKEN = """() => {
  const split = [];
  let found = 0;
  for (const li of document.querySelectorAll("[data-testid=bid-history] li")) {
    const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\+998[\\d* \\u00a0]*\\d/g)) {
        found += 1;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const lines = new Set(boxes.map((r) => Math.round(r.top)));
        if (lines.size !== 1) split.push(`${match[0]} on ${lines.size} lines`);
      }
    }
  }
  // Nor is anything in a row past the list's edge (the amount beside a phone kept whole).
  const right = document.querySelector("[data-testid=bid-history]").getBoundingClientRect().right;
  for (const el of document.querySelectorAll("[data-testid=bid-history] li > *")) {
    if (el.getBoundingClientRect().right > right + 0.5) split.push(`${el.textContent} past the list's edge`);
  }
  return found ? split : ["no phone found"];
}"""


@pytest.mark.parametrize("lang", ["uz", "ru", "en"])
def test_a_masked_phone_in_the_bid_history_never_wraps_inside_itself(
    live_server, seller, make_user, make_listing, make_paid_auction, lang
):
    """At 360 px in Uzbek a bid's masked phone broke inside the number ("+998 90 *** ** / 04"): its
    cell is the grid's flexible column, squeezed by a 10-digit amount in so‘m beside it. Checked as the
    server renders the history and as the page's script renders it again after a bid (fetch)."""
    dear = make_listing(seller, title="Пентхаус", price=Decimal("1250000000"))
    auction = make_paid_auction(
        dear, starts_in=-timedelta(minutes=5), starting_price=Decimal("1250000000"), bid_step=Decimal("1000000")
    )
    first, second = make_user(phone="+998901234504"), make_user(phone="+998911234567")
    bid_place(auction_id=auction.pk, bidder=first, amount=Decimal("1250000000"), max_amount=Decimal("1300000000"))
    bid_place(auction_id=auction.pk, bidder=second, amount=Decimal("1260000000"))  # the auto answer: "авто"
    with launch_browser() as browser:
        context = _context(browser, live_server, width=360, lang=lang)
        page = context.new_page()
        page.set_default_timeout(20_000)
        _sign_in(page, live_server, second)
        page.goto(f"{live_server.url}{auction.get_absolute_url()}")
        history = page.get_by_test_id("bid-history")
        expect(history.locator("li")).to_have_count(3)
        history.scroll_into_view_if_needed()
        _assert_fits(page, 360)
        assert page.evaluate(BID_ROWS_BROKEN) == [], f"as the server renders it, in {lang}"
        shot(page, f"auction-bids-360-{lang}")
        # A bid sent from the page: the script draws the history anew from the answer's state.
        page.on("dialog", lambda dialog: dialog.accept())  # "are you sure?" of a large bid, in words
        page.fill("#id_amount", "1310000000")
        page.locator("form.bid-form button[type=submit]").click()
        expect(history.locator("li")).to_have_count(5)  # the first bidder's maximum answers, then this bid
        assert page.evaluate(BID_ROWS_BROKEN) == [], f"as the script renders it, in {lang}"
        shot(page, f"auction-bids-live-360-{lang}")
        context.close()

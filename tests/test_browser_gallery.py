"""The photo gallery in a real browser (issue 14, item 3): every photo reachable, the whole main photo
shown, a full-screen viewer with keys and swipe, and plain links without JavaScript."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from listings.demo_images import demo_photo
from listings.models import ListingPhoto
from tests.browser import launch_browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("media_served"),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]
SHOTS = os.environ.get("SHOTS_DIR")  # e.g. /work/helpers/shots/ux-gallery: screenshots for a look by eye


def shot(page, name: str, *, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page)


def _with_photos(listing, count: int = 8) -> list[ListingPhoto]:
    photos = []
    for index in range(count):
        # The third is a portrait photo: the main frame must show it whole, not crop its top.
        size = (540, 960) if index == 2 else (960, 720)
        image = ContentFile(demo_photo(index, *size), name=f"p{index}.jpg")
        photos.append(ListingPhoto.objects.create(listing=listing, image=image, position=index))
    return photos


def _main_src(page) -> str:
    return page.get_by_test_id("gallery-main").locator("img").get_attribute("src")


def test_every_photo_is_reachable_and_the_viewer_turns_with_keys(live_server, seller, make_listing):
    listing = make_listing(seller, title="Квартира с фото", price=Decimal("700000000"))
    photos = _with_photos(listing)
    urls = [photo.image.url for photo in photos]
    with launch_browser() as browser:
        for width, lang in ((1280, "ru"), (390, "ru"), (1280, "uz"), (390, "uz")):
            context = browser.new_context(viewport={"width": width, "height": 900})
            context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{live_server.url}{listing.get_absolute_url()}")
            expect(page.get_by_test_id("gallery-counter")).to_have_text("1 / 8")
            # All eight thumbnails, each shows its photo in place (no new tab, no reload).
            thumbs = page.get_by_test_id("gallery-thumbs").locator("a")
            expect(thumbs).to_have_count(8)
            for index in range(8):
                thumbs.nth(index).click()
                expect(page.get_by_test_id("gallery-counter")).to_have_text(f"{index + 1} / 8")
                assert _main_src(page).endswith(urls[index])
                assert len(context.pages) == 1
            assert page.url.endswith("?photo=8#gallery")  # a reload or a shared link shows the same photo
            # The portrait photo is shown whole: its full height fits in the frame.
            thumbs.nth(2).click()
            fit = page.get_by_test_id("gallery-main").locator("img").evaluate("img => getComputedStyle(img).objectFit")
            assert fit == "contain"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            shot(page, f"listing-gallery-{width}-{lang}")

            # The main photo opens the full-screen viewer at that photo; arrows turn, Esc closes.
            page.get_by_test_id("gallery-main").click()
            viewer = page.get_by_test_id("lightbox")
            expect(viewer).to_be_visible()
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("3 / 8")
            box = viewer.bounding_box()
            assert box["width"] == width
            # The whole photo on the screen (the portrait one too), never cut at an edge.
            photo = page.get_by_test_id("lightbox-image").bounding_box()
            assert photo["y"] >= 0 and photo["y"] + photo["height"] <= 900 + 0.5
            assert photo["x"] >= 0 and photo["x"] + photo["width"] <= width + 0.5
            shot(page, f"listing-viewer-{width}-{lang}", full_page=False)
            seen = set()
            for _ in range(8):
                seen.add(page.get_by_test_id("lightbox-image").get_attribute("src"))
                page.keyboard.press("ArrowRight")
            assert seen == set(urls)
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("3 / 8")
            page.keyboard.press("ArrowLeft")
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("2 / 8")
            page.keyboard.press("End")
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("8 / 8")
            page.keyboard.press("ArrowRight")  # around to the first
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("1 / 8")
            page.get_by_test_id("lightbox-next").click()
            expect(page.get_by_test_id("lightbox-counter")).to_have_text("2 / 8")
            page.keyboard.press("Escape")
            expect(viewer).to_be_hidden()
            # The page follows the viewer: the photo last seen is the main one.
            expect(page.get_by_test_id("gallery-counter")).to_have_text("2 / 8")
            assert _main_src(page).endswith(urls[1])
            context.close()


def test_swipe_turns_the_photo_in_the_viewer(live_server, seller, make_listing):
    listing = make_listing(seller, title="Квартира с фото")
    _with_photos(listing, count=3)
    with launch_browser() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}{listing.get_absolute_url()}")
        page.get_by_test_id("gallery-main").click()
        expect(page.get_by_test_id("lightbox-counter")).to_have_text("1 / 3")
        image = page.get_by_test_id("lightbox-image")
        box = image.bounding_box()
        y = box["y"] + box["height"] / 2

        def swipe(x0: float, x1: float) -> None:
            page.mouse.move(x0, y)
            page.mouse.down()
            page.mouse.move((x0 + x1) / 2, y)
            page.mouse.move(x1, y)
            page.mouse.up()

        swipe(300, 80)  # right to left: the next photo
        expect(page.get_by_test_id("lightbox-counter")).to_have_text("2 / 3")
        swipe(80, 300)  # left to right: back
        expect(page.get_by_test_id("lightbox-counter")).to_have_text("1 / 3")
        swipe(80, 300)  # around to the last
        expect(page.get_by_test_id("lightbox-counter")).to_have_text("3 / 3")
        page.get_by_test_id("lightbox-close").click()
        expect(page.get_by_test_id("lightbox")).to_be_hidden()


def test_without_javascript_every_photo_is_a_plain_link(live_server, seller, make_listing, make_paid_auction):
    listing = make_listing(seller, title="Квартира с фото")
    photos = _with_photos(listing)
    auction = make_paid_auction(listing)
    with launch_browser() as browser:
        context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(20_000)
        for url in (listing.get_absolute_url(), auction.get_absolute_url()):
            page.goto(f"{live_server.url}{url}")
            expect(page.get_by_test_id("gallery-counter")).to_have_text("1 / 8")
            thumbs = page.get_by_test_id("gallery-thumbs").locator("a")
            for index in (7, 4, 0):
                thumbs.nth(index).click()  # a link to ?photo=N: the server shows that photo
                expect(page.get_by_test_id("gallery-counter")).to_have_text(f"{index + 1} / 8")
                assert page.url.endswith(f"{url}?photo={index + 1}#gallery")
                assert _main_src(page).endswith(photos[index].image.url)
            # Arrows are links too, round the ends.
            page.get_by_test_id("gallery-prev").click()
            expect(page.get_by_test_id("gallery-counter")).to_have_text("8 / 8")
            page.get_by_test_id("gallery-next").click()
            expect(page.get_by_test_id("gallery-counter")).to_have_text("1 / 8")
            # The main photo opens the full-size file, in the same tab.
            assert page.get_by_test_id("gallery-main").get_attribute("target") is None
            assert page.get_by_test_id("gallery-main").get_attribute("href") == photos[0].image.url
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "auction-gallery-nojs-390-ru")
        # Nonsense in ?photo= shows the first photo, never an error.
        for bad in ("0", "99", "x", "-1"):
            response = page.goto(f"{live_server.url}{listing.get_absolute_url()}?photo={bad}")
            assert response.status == 200
            expect(page.get_by_test_id("gallery-counter")).to_have_text("1 / 8")

"""In a real browser: the kinder listing form (issue 14, item 4) and search's district list, map view
and Cyrillic text (item 5). No tile is fetched from the internet (MAP_TILE_URL is empty in tests):
the maps work on a blank background, and every request the pages make stays on the test server."""

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from listings.models import District, Listing
from tests.browser import launch_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path, name: str = "kvartira.jpg") -> str:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 150, 240)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def _page(browser, live_server, user=None, *, width: int = 1280, language: str = "ru"):
    context = browser.new_context(locale=f"{language}-UZ", viewport={"width": width, "height": 900})
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(20_000)
    outside: list[str] = []
    page.on(
        "request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    page.outside_requests = outside  # type: ignore[attr-defined]
    return page


def _fill_required(page, *, title: str = "2-комнатная в Юнусабаде") -> None:
    page.fill("input[name=title]", title)
    page.fill("input[name=address]", "ул. Амира Темура, 10")
    page.fill("input[name=rooms]", "2")
    page.fill("input[name=area]", "64")
    page.fill("input[name=floor]", "3")
    page.fill("input[name=floors_total]", "9")
    page.fill("input[name=price]", "850000000")


def _datalist(page) -> list[str]:
    return page.locator("#district-options option").evaluate_all("options => options.map(o => o.value)")


@pytest.mark.postgres
def test_district_picker_follows_the_region_and_takes_a_short_name(live_server, seller):
    with launch_browser() as browser:
        page = _page(browser, live_server, seller)
        page.goto(f"{live_server.url}/listings/new/")
        tashkent = _datalist(page)
        assert len(tashkent) == 12 and "Юнусабадский район" in tashkent and "город Самарканд" not in tashkent
        page.select_option("select[name=region]", "samarkand")
        assert _datalist(page) == ["город Самарканд"]
        page.select_option("select[name=region]", "tashkent_city")
        assert _datalist(page) == tashkent
        # A district of the old region is cleared when the region changes.
        page.fill("input[name=district]", "Юнусабадский район")
        page.select_option("select[name=region]", "samarkand")
        expect(page.locator("input[name=district]")).to_have_value("")
        page.select_option("select[name=region]", "tashkent_city")

        # The short name is enough.
        _fill_required(page)
        page.fill("input[name=district]", "Юнусабад")
        page.click("button[type=submit]:has-text('Опубликовать')")
        expect(page.locator("h1")).to_have_text("2-комнатная в Юнусабаде")
        assert Listing.objects.get().district.slug == "yunusabad"
        assert page.outside_requests == []


@pytest.mark.postgres
def test_photos_are_kept_after_a_validation_error(live_server, seller, tmp_path):
    with launch_browser() as browser:
        page = _page(browser, live_server, seller)
        page.goto(f"{live_server.url}/listings/new/")
        _fill_required(page, title="")
        page.set_input_files("input[name=photos]", [_photo(tmp_path, "a.jpg"), _photo(tmp_path, "b.jpg")])
        page.click("button[type=submit]:has-text('Опубликовать')")
        # Refused (no title): the photos are shown as thumbnails, kept.
        expect(page.locator(".field.has-error #id_title")).to_have_count(1)
        expect(page.get_by_test_id("draft-photo")).to_have_count(2)
        expect(page.locator("input[name=draft_photo]:checked")).to_have_count(2)
        thumbnail_loaded = page.get_by_test_id("draft-photo").first.evaluate(
            """el => new Promise(resolve => { const url = getComputedStyle(el).backgroundImage.slice(5, -2);
                 const img = new Image(); img.onload = () => resolve(img.naturalWidth); img.onerror = () => resolve(0);
                 img.src = url; })"""
        )
        assert thumbnail_loaded > 0
        # Drop the second one, correct the title and send: the first is the listing's photo.
        page.get_by_test_id("draft-photo").nth(1).locator("input").uncheck()
        page.fill("input[name=title]", "Квартира с фото")
        page.click("button[type=submit]:has-text('Опубликовать')")
        expect(page.locator("h1")).to_have_text("Квартира с фото")
        assert Listing.objects.get().photos.count() == 1


@pytest.mark.postgres
def test_price_is_grouped_as_you_type_and_the_server_takes_it(live_server, seller):
    with launch_browser() as browser:
        page = _page(browser, live_server, seller, width=390)
        page.goto(f"{live_server.url}/listings/new/")
        _fill_required(page, title="Дорогая квартира")
        price = page.locator("input[name=price]")
        price.fill("")
        price.press_sequentially("396000000")
        expect(price).to_have_value("396\u00a0000\u00a0000")
        # An edit in the middle keeps the caret where the digit went.
        price.press("Home")
        for _ in range(2):
            price.press("ArrowRight")
        price.press_sequentially("7")
        expect(price).to_have_value("3\u00a0976\u00a0000\u00a0000")
        price.press("End")
        for _ in range(4):
            price.press("Backspace")
        expect(price).to_have_value("397\u00a0600")
        price.fill("")
        price.press_sequentially("396000000")
        page.fill("input[name=district]", "Yunusobod")
        page.click("button[type=submit]:has-text('Опубликовать')")
        expect(page.locator("h1")).to_have_text("Дорогая квартира")
        listing = Listing.objects.get()
        assert listing.price == Decimal("396000000") and listing.district.slug == "yunusabad"
        # Editing shows the saved price grouped.
        page.goto(f"{live_server.url}/listings/{listing.pk}/edit/")
        expect(page.locator("input[name=price]")).to_have_value("396\u00a0000\u00a0000")


@pytest.mark.postgres
def test_a_point_picked_on_the_map_fills_the_coordinates_and_shows_on_the_page(live_server, seller):
    with launch_browser() as browser:
        page = _page(browser, live_server, seller)
        page.goto(f"{live_server.url}/listings/new/")
        picker = page.locator("[data-map=pick][data-map-ready='1']")
        expect(picker).to_be_visible()
        picker.scroll_into_view_if_needed()
        spot = picker.evaluate(
            "el => { const p = el.kbMap.latLngToContainerPoint([41.30, 69.25]); return [p.x, p.y]; }"
        )
        box = picker.bounding_box()
        page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
        latitude = float(page.input_value("input[name=latitude]"))
        longitude = float(page.input_value("input[name=longitude]"))
        assert abs(latitude - 41.30) < 0.01 and abs(longitude - 69.25) < 0.01
        expect(picker.locator(".leaflet-marker-icon")).to_have_count(1)
        # Typed coordinates move the pin (and are the fallback without the map).
        page.fill("input[name=latitude]", "41,311081")
        page.fill("input[name=longitude]", "69.279737")
        page.locator("input[name=longitude]").blur()
        moved = picker.evaluate(
            "el => { let m; el.kbMap.eachLayer(l => { if (l.getLatLng) m = l.getLatLng(); }); return [m.lat, m.lng]; }"
        )
        assert moved == [41.311081, 69.279737]
        _fill_required(page, title="Квартира на карте")
        page.click("button[type=submit]:has-text('Опубликовать')")
        expect(page.locator("h1")).to_have_text("Квартира на карте")
        listing = Listing.objects.get()
        assert (listing.latitude, listing.longitude) == (Decimal("41.311081"), Decimal("69.279737"))
        # The same map shows the point on the listing page.
        shown = page.locator("[data-testid=listing-map][data-map-ready='1']")
        expect(shown).to_be_visible()
        expect(shown.locator(".leaflet-marker-icon")).to_have_count(1)
        assert page.outside_requests == []


@pytest.mark.postgres
def test_search_district_list_follows_the_region_before_submit(live_server, seller, make_listing):
    chilanzar = District.objects.get(slug="chilanzar")
    make_listing(seller, title="Двушка в Чиланзаре", district=chilanzar)
    make_listing(
        seller, title="Самаркандская", region="samarkand", district=District.objects.get(slug="samarkand-city")
    )
    with launch_browser() as browser:
        page = _page(browser, live_server)
        page.goto(f"{live_server.url}/listings/")
        boxes = page.get_by_test_id("search-districts").locator("label")
        page.locator("details.field summary").first.click()
        expect(boxes).to_have_count(20)  # all of Uzbekistan
        page.select_option("select[name=region]", "samarkand")
        expect(boxes).to_have_text(["город Самарканд"])
        page.select_option("select[name=region]", "tashkent_city")
        expect(boxes).to_have_count(12)
        boxes.filter(has_text="Чиланзарский район").locator("input").check()
        page.click("button:has-text('Показать')")
        expect(page.locator("[data-testid=listing-card] .card-title")).to_have_text(["Двушка в Чиланзаре"])
        assert f"district={chilanzar.pk}" in page.url
        # After the page comes back, the list is the chosen region's, with the district still checked.
        expect(boxes).to_have_count(12)
        expect(boxes.filter(has_text="Чиланзарский район").locator("input")).to_be_checked()


@pytest.mark.postgres
def test_search_results_on_a_map(live_server, seller, make_listing):
    make_listing(seller, title="Точка раз", latitude=Decimal("41.30"), longitude=Decimal("69.25"))
    make_listing(seller, title="Точка два", latitude=Decimal("41.35"), longitude=Decimal("69.30"))
    make_listing(seller, title="Без точки")
    with launch_browser() as browser:
        page = _page(browser, live_server)
        page.goto(f"{live_server.url}/listings/")
        page.get_by_test_id("map-view-link").click()
        results = page.locator("[data-testid=results-map][data-map-ready='1']")
        expect(results).to_be_visible()
        expect(results.locator(".leaflet-marker-icon")).to_have_count(2)
        results.locator(".leaflet-marker-icon[title='Точка два']").click()
        popup = results.locator(".leaflet-popup-content")
        expect(popup.locator("a")).to_have_text("Точка два")
        # The map pans to show the popup: click once it has settled (300 ms after the last move).
        results.evaluate(
            """el => new Promise(resolve => { let timer; const settle = () => { clearTimeout(timer);
                 timer = setTimeout(resolve, 300); }; el.kbMap.on("move", settle); settle(); })"""
        )
        expect(popup).to_contain_text("850\u00a0000\u00a0000\u00a0сум")
        # On a loaded machine the pan can start after that pause: click once the link is what a pointer
        # at its centre would hit (not clipped by the map's edge under the sort box above it).
        popup.locator("a").scroll_into_view_if_needed()
        page.wait_for_function(
            """() => { const a = document.querySelector("[data-testid=results-map] .leaflet-popup-content a");
                 if (!a) return false; const r = a.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                 return hit !== null && (hit === a || a.contains(hit)); }"""
        )
        popup.locator("a").click()
        expect(page.locator("h1")).to_have_text("Точка два")
        assert page.outside_requests == []


def test_search_finds_chilanzar_typed_in_lower_case(live_server, seller, make_listing):
    """On the embedded SQLite default too (its LOWER is ASCII-only): not marked postgres."""
    make_listing(
        seller, title="Квартира у метро", district=District.objects.get(slug="chilanzar"), address="ул. Бунёдкор, 5"
    )
    make_listing(seller, title="Квартира, массив ЧИЛАНЗАР", district=District.objects.get(slug="mirabad"))
    make_listing(seller, title="Квартира в Юнусабаде", district=District.objects.get(slug="yunusabad"))
    with launch_browser() as browser:
        page = _page(browser, live_server)
        page.goto(f"{live_server.url}/listings/")
        page.fill("input[name=q]", "чиланзар")
        page.click("button:has-text('Показать')")
        titles = page.locator("[data-testid=listing-card] .card-title")
        expect(titles).to_have_count(2)
        assert set(titles.all_inner_texts()) == {"Квартира, массив ЧИЛАНЗАР", "Квартира у метро"}
        page.fill("input[name=q]", "Chilonzor")
        page.click("button:has-text('Показать')")
        expect(titles).to_have_text(["Квартира у метро"])
        assert re.search(r"q=Chilonzor", page.url)

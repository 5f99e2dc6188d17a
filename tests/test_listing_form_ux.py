"""A kinder listing form (issue 14, item 4), on the server: districts by short and Latin names within
the chosen region, grouped prices, coordinates within Uzbekistan, required fields marked, photos
kept after a refused form (under the same upload limits); the search's map view (item 5)."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.utils import timezone

from config.settings import _map_tile_origins
from listings import services
from listings.forms import ListingForm
from listings.models import Listing, ListingPhoto, ListingPhotoDraft
from tests.test_listings_marketplace import POST
from tests.test_uploads import jpeg, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _form(**changes) -> ListingForm:
    return ListingForm(POST | changes)


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Юнусабад", "yunusabad"),
        ("юнусабадский", "yunusabad"),
        ("Yunusobod", "yunusabad"),
        ("yunusobod tumani", "yunusabad"),
        ("Yunusabad district", "yunusabad"),
        ("ЧИЛАНЗАР", "chilanzar"),
        ("Chilonzor", "chilanzar"),
        ("Mirzo Ulugbek", "mirzo-ulugbek"),
        ("mirzo ulug'bek", "mirzo-ulugbek"),
        ("Мирзо Улугбек", "mirzo-ulugbek"),
        ("Яшнабадский район", "yashnabad"),
    ],
)
def test_a_district_is_found_by_its_short_or_latin_name(typed, slug):
    form = _form(district=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["district"].slug == slug


def test_a_district_is_looked_for_in_the_chosen_region_only():
    form = _form(region="samarkand", district="Самарканд")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["district"].slug == "samarkand-city"
    # Chilanzar is in Tashkent: the seller is told where it is, not only "choose from the list".
    form = _form(region="samarkand", district="Чиланзар")
    assert not form.is_valid()
    assert form.errors["district"] == [
        "«Чиланзарский район» — район региона «Ташкент». Выберите район из списка или этот регион."
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("район", "Уточните район: "),  # a part of every Tashkent district's name
        ("Атлантида", "Выберите район из списка."),
        ("Ю", "Выберите район из списка."),  # too short to name one
    ],
)
def test_a_district_that_names_none_or_several_is_refused_with_a_hint(typed, message):
    form = _form(district=typed)
    assert not form.is_valid()
    assert form.errors["district"][0].startswith(message)


def test_the_create_page_accepts_a_short_district_name(client, seller):
    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"district": "Юнусабад"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Listing.objects.get().district.slug == "yunusabad"


@pytest.mark.parametrize("typed", ["396 000 000", "396\u00a0000\u00a0000", "396\u202f000\u202f000", " 396000000 "])
def test_a_grouped_price_is_accepted(typed):
    form = _form(price=typed, currency="UZS")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == Decimal("396000000")


@pytest.mark.parametrize("typed", ["396 000 abc", "1 2 3,4,5", "-5"])
def test_a_price_that_is_no_number_is_refused(typed):
    form = _form(price=typed, currency="UZS")
    assert not form.is_valid()
    assert "price" in form.errors


def test_coordinates_typed_with_a_comma_are_read():
    form = _form(latitude="41,311081", longitude="69,279737")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["latitude"] == Decimal("41.311081")
    assert form.cleaned_data["longitude"] == Decimal("69.279737")


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("51.5", "69.3", "latitude"),
        ("41.3", "-0.12", "longitude"),
        ("91", "69.3", "latitude"),
        ("41.3", "190", "longitude"),
    ],
)
def test_a_point_outside_uzbekistan_is_refused(client, seller, latitude, longitude, field):
    form = _form(latitude=latitude, longitude=longitude)
    assert not form.is_valid()
    assert "за пределами Узбекистана" in " ".join(form.errors[field])
    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"latitude": latitude, "longitude": longitude})
    assert response.status_code == 200
    assert not Listing.objects.exists()


def test_required_fields_are_marked(client, seller):
    client.force_login(seller)
    page = client.get("/listings/new/").content.decode()
    marked = set(re.findall(r'<label for="id_(\w+)">[^<]*<span class="required-mark"', page))
    assert {"title", "region", "address", "rooms", "area", "floor", "floors_total", "price"} <= marked
    assert not marked & {"district", "description", "latitude", "longitude", "living_area", "photos", "market"}
    assert "— обязательные поля" in page


def test_the_form_offers_every_district_with_its_region(client, seller):
    client.force_login(seller)
    page = client.get("/listings/new/").content.decode()
    assert '<option value="Юнусабадский район" data-region="tashkent_city">' in page
    assert '<option value="город Самарканд" data-region="samarkand">' in page
    assert 'data-district-for="id_region"' in page and 'data-group-digits=""' in page


# --- Photos kept after a refused form ---------------------------------------------------------------


def _refused_with_photos(client, *photos, **changes):
    """The create form without a title (refused), with photos."""
    return client.post("/listings/new/", POST | {"title": "", "photos": list(photos)} | changes)


def test_photos_of_a_refused_form_are_kept_and_used_by_the_corrected_one(client, seller):
    client.force_login(seller)
    response = _refused_with_photos(client, jpeg(1200, 900, "one.jpg"), jpeg(800, 600, "two.jpg"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Обязательное поле." in page
    drafts = list(ListingPhotoDraft.objects.filter(user=seller).order_by("id"))
    assert len(drafts) == 2
    for draft in drafts:
        assert f'name="draft_photo" value="{draft.pk}" checked' in page
        assert draft.thumbnail.url in page
    assert not Listing.objects.exists()

    # The corrected form carries the kept photos back, and adds one more.
    response = client.post(
        "/listings/new/",
        POST | {"draft_photo": [str(d.pk) for d in drafts], "photos": [jpeg(640, 480, "three.jpg")]},
    )
    assert response.status_code == 302
    listing = Listing.objects.get()
    photos = list(listing.photos.all())
    assert [p.image.name for p in photos[:2]] == [d.image.name for d in drafts]  # the drafts first, in order
    assert len(photos) == 3 and [p.position for p in photos] == [0, 1, 2]
    assert all(default_storage.exists(p.image.name) and default_storage.exists(p.thumbnail.name) for p in photos)
    assert not ListingPhotoDraft.objects.exists()


def test_an_unchecked_kept_photo_is_left_out(client, seller):
    client.force_login(seller)
    _refused_with_photos(client, jpeg(640, 480, "one.jpg"), jpeg(640, 480, "two.jpg"))
    _first, second = ListingPhotoDraft.objects.order_by("id")
    assert client.post("/listings/new/", POST | {"draft_photo": [str(second.pk)]}).status_code == 302
    assert [p.image.name for p in Listing.objects.get().photos.all()] == [second.image.name]


def test_a_kept_photo_survives_a_second_refusal(client, seller):
    client.force_login(seller)
    _refused_with_photos(client, jpeg(640, 480))
    draft = ListingPhotoDraft.objects.get()
    response = client.post("/listings/new/", POST | {"title": "", "draft_photo": [str(draft.pk)]})
    assert f'name="draft_photo" value="{draft.pk}" checked' in response.content.decode()
    assert list(ListingPhotoDraft.objects.all()) == [draft]


def test_another_sellers_kept_photo_cannot_be_taken(client, seller, make_user):
    other = make_user(first_name="Другой")
    client.force_login(other)
    _refused_with_photos(client, jpeg(640, 480))
    theirs = ListingPhotoDraft.objects.get(user=other)
    client.force_login(seller)
    assert client.post("/listings/new/", POST | {"draft_photo": [str(theirs.pk)]}).status_code == 302
    assert not ListingPhoto.objects.exists()
    assert ListingPhotoDraft.objects.filter(pk=theirs.pk).exists()
    with pytest.raises(PermissionDenied):
        services.listing_create(
            seller=seller,
            drafts=[theirs],
            title="Чужое фото",
            address="ул. 1",
            rooms=1,
            area=Decimal("40"),
            floor=1,
            floors_total=5,
            price=Decimal("1000000"),
        )


def test_kept_photos_count_toward_the_ten(client, seller):
    client.force_login(seller)
    _refused_with_photos(client, *[jpeg(320, 240, f"{n}.jpg") for n in range(8)])
    drafts = [str(d.pk) for d in ListingPhotoDraft.objects.all()]
    assert len(drafts) == 8
    response = client.post(
        "/listings/new/", POST | {"draft_photo": drafts, "photos": [jpeg(320, 240, f"x{n}.jpg") for n in range(3)]}
    )
    assert response.status_code == 200
    assert "Не больше 10 фото." in response.content.decode()
    assert not Listing.objects.exists()
    assert ListingPhotoDraft.objects.count() == 8  # still kept for the next try


def test_kept_photos_are_bounded_like_a_listings(client, seller, settings):
    """The hourly per-seller limit and the per-request pixel budget apply to photos kept as drafts."""
    client.force_login(seller)
    settings.PHOTO_REQUEST_PIXEL_BUDGET = 1_000_000
    response = _refused_with_photos(client, jpeg(1000, 800, "a.jpg"), jpeg(1000, 800, "b.jpg"))
    assert "Слишком много больших фото за один раз" in response.content.decode()
    assert not ListingPhotoDraft.objects.exists()
    settings.PHOTO_REQUEST_PIXEL_BUDGET = 32_000_000

    response = _refused_with_photos(client, png(6300, 6300))  # refused by its header, never decoded
    assert "слишком большое" in response.content.decode()
    assert not ListingPhotoDraft.objects.exists()

    settings.PHOTOS_PER_USER_HOURLY = 2
    _refused_with_photos(client, jpeg(320, 240, "a.jpg"), jpeg(320, 240, "b.jpg"))
    kept = [str(d.pk) for d in ListingPhotoDraft.objects.all()]
    assert len(kept) == 2
    response = _refused_with_photos(client, jpeg(320, 240, "c.jpg"), draft_photo=kept)
    assert "Слишком много фото за час" in response.content.decode()
    assert ListingPhotoDraft.objects.count() == 2
    # Attaching the kept ones does not count them a second time.
    assert client.post("/listings/new/", POST | {"draft_photo": kept}).status_code == 302
    assert Listing.objects.get().photos.count() == 2


def _gif(name: str = "anim.gif"):  # type: ignore[no-untyped-def]
    """An image Django's ImageField takes and the listing service does not (JPEG, PNG, WebP only)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 200, 30)).save(buffer, format="GIF")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/gif")


def _not_a_photo(name: str = "notes.txt"):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, "квартира, 3 комнаты".encode(), "text/plain")


def test_one_file_that_is_no_photo_is_named_and_the_others_are_kept(client, seller):
    """A seller picks ten photos and one of them is not a photo: the form names that one and keeps
    the others, instead of dropping all of them (the seller had to pick them again)."""
    client.force_login(seller)
    response = _refused_with_photos(
        client, jpeg(640, 480, "one.jpg"), _not_a_photo("notes.txt"), jpeg(640, 480, "two.jpg")
    )
    page = response.content.decode()
    assert "Файл notes.txt не похож на фото." in page
    drafts = list(ListingPhotoDraft.objects.filter(user=seller).order_by("id"))
    assert len(drafts) == 2
    assert all(f'name="draft_photo" value="{draft.pk}" checked' in page for draft in drafts)

    # Only the first bad file was said before; now each one is.
    response = _refused_with_photos(client, _not_a_photo("a.txt"), jpeg(320, 240, "ok.jpg"), _not_a_photo("b.txt"))
    page = response.content.decode()
    assert "Файл a.txt не похож на фото." in page and "Файл b.txt не похож на фото." in page
    assert ListingPhotoDraft.objects.filter(user=seller).count() == 1


@pytest.mark.parametrize("edit", [False, True], ids=["create", "edit"])
def test_a_file_the_service_refuses_is_named_and_the_others_are_kept(client, seller, listing, settings, edit):
    """A GIF passes the form's image check and is refused by the service (JPEG, PNG, WebP): the
    listing is not saved, the GIF is named, the JPEG is kept for the corrected form, and the photos
    are counted against the hourly limit once."""
    settings.PHOTOS_PER_USER_HOURLY = 2
    client.force_login(seller)
    url = f"/listings/{listing.pk}/edit/" if edit else "/listings/new/"
    response = client.post(url, POST | {"photos": [jpeg(640, 480, "good.jpg"), _gif("anim.gif")]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Фото anim.gif: поддерживаются JPEG, PNG и WebP." in page
    assert page.count("anim.gif") == 1
    draft = ListingPhotoDraft.objects.get(user=seller)
    assert f'name="draft_photo" value="{draft.pk}" checked' in page
    before = listing.photos.count()
    assert Listing.objects.count() == 1  # nothing saved but the fixture's listing

    response = client.post(url, POST | {"draft_photo": [str(draft.pk)]})
    assert response.status_code == 302
    saved = listing if edit else Listing.objects.exclude(pk=listing.pk).get()
    assert saved.photos.count() == (before + 1 if edit else 1)
    assert not ListingPhotoDraft.objects.exists()


def test_a_seller_holds_one_forms_drafts_at_a_time(client, seller):
    client.force_login(seller)
    _refused_with_photos(client, jpeg(320, 240, "old.jpg"))
    old = ListingPhotoDraft.objects.get()
    _refused_with_photos(client, jpeg(320, 240, "new.jpg"))  # a fresh form, not carrying the old one
    assert not ListingPhotoDraft.objects.filter(pk=old.pk).exists()
    assert ListingPhotoDraft.objects.count() == 1


def test_the_edit_form_keeps_photos_too(client, seller, listing):
    client.force_login(seller)
    data = POST | {"title": "", "photos": [jpeg(320, 240)]}
    response = client.post(f"/listings/{listing.pk}/edit/", data)
    draft = ListingPhotoDraft.objects.get()
    assert f'name="draft_photo" value="{draft.pk}" checked' in response.content.decode()
    assert client.post(f"/listings/{listing.pk}/edit/", POST | {"draft_photo": [str(draft.pk)]}).status_code == 302
    assert [p.image.name for p in listing.photos.all()] == [draft.image.name]


def test_forgotten_drafts_are_purged_with_their_files(client, seller, settings):
    client.force_login(seller)
    _refused_with_photos(client, jpeg(320, 240))
    draft = ListingPhotoDraft.objects.get()
    assert services.photo_drafts_purge() == 0
    later = timezone.now() + timedelta(hours=settings.PHOTO_DRAFT_HOURS, minutes=1)
    assert services.photo_drafts_purge(now=later) == 1
    assert not ListingPhotoDraft.objects.exists()
    assert not default_storage.exists(draft.image.name) and not default_storage.exists(draft.thumbnail.name)


# --- Maps ------------------------------------------------------------------------------------------


def test_the_listing_page_shows_its_point_on_a_map(client, seller, make_listing):
    placed = make_listing(seller, latitude=Decimal("41.311081"), longitude=Decimal("69.279737"))
    page = client.get(placed.get_absolute_url()).content.decode()
    assert 'data-map="point" data-lat="41.311081" data-lng="69.279737"' in page
    assert "vendor/leaflet/leaflet.js" in page
    unplaced = make_listing(seller)
    assert 'data-map="point"' not in client.get(unplaced.get_absolute_url()).content.decode()


def test_the_search_map_view_has_the_results_with_a_point(client, seller, make_listing):
    make_listing(seller, title="С точкой", latitude=Decimal("41.3"), longitude=Decimal("69.25"))
    make_listing(seller, title="Другая с точкой", latitude=Decimal("41.35"), longitude=Decimal("69.3"), rooms=3)
    make_listing(seller, title="Без точки")
    response = client.get("/listings/?view=map&rooms=2")
    page = response.content.decode()
    points = json.loads(re.search(r'data-points="([^"]*)"', page).group(1).replace("&quot;", '"'))
    assert [p["title"] for p in points] == ["С точкой"]
    assert points[0]["lat"] == 41.3 and points[0]["lng"] == 69.25
    assert points[0]["price"] == "850\u00a0000\u00a0000\u00a0сум"
    assert points[0]["url"].startswith("/listings/")
    assert '<input type="hidden" name="view" value="map">' in page  # the filters keep the map view
    assert 'data-map="points"' not in client.get("/listings/?rooms=2").content.decode()


def test_tiles_come_from_the_setting_and_the_csp_allows_them():
    assert _map_tile_origins("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == ["https://tile.openstreetmap.org"]
    assert _map_tile_origins("https://{s}.tiles.example.uz/{z}/{x}/{y}.png") == ["https://*.tiles.example.uz"]
    assert _map_tile_origins("") == []


def test_no_tiles_in_tests(client, seller, make_listing):
    placed = make_listing(seller, latitude=Decimal("41.3"), longitude=Decimal("69.25"))
    response = client.get(placed.get_absolute_url())
    assert 'data-tiles=""' in response.content.decode()
    assert "openstreetmap.org" not in response.headers["Content-Security-Policy"]


def test_the_purge_runs_hourly_through_celery(client, seller, settings):
    from listings.tasks import photo_drafts_purge_task

    assert settings.CELERY_BEAT_SCHEDULE["photo-drafts-purge"]["task"] == "listings.tasks.photo_drafts_purge"
    client.force_login(seller)
    _refused_with_photos(client, jpeg(320, 240))
    ListingPhotoDraft.objects.update(created_at=timezone.now() - timedelta(hours=settings.PHOTO_DRAFT_HOURS + 1))
    assert photo_drafts_purge_task.apply().get() == 1
    assert not ListingPhotoDraft.objects.exists()

"""Listings: districts as data, moderation, photos, favourites, views, dashboard and receipts."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fees.demo import fee_pay_offline
from fees.services import fee_initiate
from listings import services
from listings.models import District, Favorite, Listing, ListingStatus, Region
from listings.view_counts import view_counts_flush

pytestmark = pytest.mark.django_db

POST = {
    "title": "2-комнатная в Яшнабаде",
    "region": "tashkent_city",
    "district": "Yashnobod tumani",
    "address": "ул. Фаргона йули, 3",
    "rooms": "2",
    "area": "60",
    "living_area": "38",
    "kitchen_area": "9",
    "floor": "2",
    "floors_total": "9",
    "building_type": "panel",
    "year_built": "1985",
    "renovation": "euro",
    "market": "resale",
    "amenities": ["balcony", "gas"],
    "price": "60000",
    "currency": "USD",
    "latitude": "41.300000",
    "longitude": "69.330000",
    "description": "Тихий двор",
}


def _jpeg_with_exif(size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 18.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_all_regions_and_tashkent_districts_are_shipped():
    assert Region.objects.count() == 14
    assert {"tashkent_city", "karakalpakstan", "tashkent"} <= set(Region.objects.values_list("code", flat=True))
    tashkent = District.objects.filter(region_id="tashkent_city")
    assert tashkent.count() == 12
    for district in tashkent:
        assert district.name_ru and district.name_uz and district.name_en


def test_names_follow_the_language():
    from django.utils import translation

    region = Region.objects.get(code="karakalpakstan")
    with translation.override("uz"):
        assert str(region) == "Qoraqalpog‘iston Respublikasi"
    with translation.override("en"):
        assert str(region) == "Republic of Karakalpakstan"
    assert str(region) == "Республика Каракалпакстан"


def test_create_listing_with_every_field_typed_district_in_uzbek(client, seller, settings):
    settings.LISTINGS_AUTO_APPROVE = True
    client.force_login(seller)
    response = client.post("/listings/new/", POST)
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = Listing.objects.get()
    assert listing.district.slug == "yashnabad"
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.amenities == ["balcony", "gas"]
    assert listing.price_uzs == Decimal("768000000.00")  # 60 000 × 12 800
    assert listing.price_per_m2_uzs == Decimal("12800000")
    page = client.get(listing.get_absolute_url()).content.decode()
    for text in ("Евроремонт", "Панельный", "1985", "Балкон", "На карте", "12\u00a0800\u00a0000\u00a0сум"):
        assert text in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"district": "Нет такого района"}, "Выберите район из списка"),
        ({"region": "samarkand"}, "Выберите район из списка"),  # Yashnobod is not in Samarkand
        ({"living_area": "70"}, "Жилая площадь больше общей"),
        ({"kitchen_area": "61"}, "Площадь кухни больше общей"),
        ({"latitude": ""}, "и широту, и долготу"),
        ({"rooms": "21"}, "меньше либо равно 20"),
        ({"year_built": "1700"}, "больше либо равно 1900"),
        ({"region": "atlantis"}, "Выберите корректный вариант"),
        ({"amenities": ["jacuzzi"]}, "Выберите корректный вариант"),
    ],
)
def test_listing_form_errors_change_nothing(client, seller, data, message):
    client.force_login(seller)
    response = client.post("/listings/new/", POST | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_a_dollar_price_too_large_in_soums_is_a_form_error_on_create_and_edit(client, seller, make_listing):
    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"price": "800000000000", "currency": "USD"})
    assert response.status_code == 200
    assert "Цена слишком большая: не больше" in response.content.decode()
    assert not Listing.objects.exists()

    listing = make_listing(seller)
    before = (listing.price, listing.currency, listing.price_uzs)
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"price": "800000000000", "currency": "USD"})
    assert response.status_code == 200
    assert "Цена слишком большая: не больше" in response.content.decode()
    listing.refresh_from_db()
    assert (listing.price, listing.currency, listing.price_uzs) == before
    # The largest price that fits is accepted: its soum price within PRICE_DIGITS significant digits
    # (SQLite reads back 15; the column itself holds 18), and a dollar more is refused.
    most = (Decimal(10) ** (services.PRICE_DIGITS - 2) - 1) / Decimal(settings.USD_UZS_RATE)
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"price": str(int(most) + 1), "currency": "USD"})
    assert "Цена слишком большая: не больше" in response.content.decode()
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"price": str(int(most)), "currency": "USD"})
    assert response.status_code == 302
    assert client.get("/listings/").status_code == 200  # and it reads back, on SQLite too


def test_moderation_flow_reject_fix_approve(client, seller, make_user, settings, make_operator):
    settings.LISTINGS_AUTO_APPROVE = False
    moderator = make_operator()
    client.force_login(seller)
    client.post("/listings/new/", POST)
    listing = Listing.objects.get()
    assert listing.status == ListingStatus.REVIEW
    assert listing.submitted_at is not None
    # Not public while on review: absent from search, 404 for others, visible to the seller.
    assert client.get(listing.get_absolute_url()).status_code == 200
    assert "На проверке" in client.get(listing.get_absolute_url()).content.decode()
    client.logout()
    assert client.get(listing.get_absolute_url()).status_code == 404
    assert listing.title not in client.get("/listings/").content.decode()

    # A moderator rejects with a reason; a reason is required.
    client.force_login(moderator)
    assert listing.title in client.get("/moderation/").content.decode()
    client.post(f"/moderation/{listing.pk}/", {"decision": "reject", "reason": ""})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REVIEW
    client.post(f"/moderation/{listing.pk}/", {"decision": "reject", "reason": "Добавьте фото кухни"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REJECTED

    # The seller sees the reason, fixes the listing: it goes back on review.
    client.force_login(seller)
    assert "Добавьте фото кухни" in client.get(listing.get_absolute_url()).content.decode()
    assert "Добавьте фото кухни" in client.get("/dashboard/").content.decode()
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"description": "Теперь с фото кухни"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REVIEW and listing.rejection_reason == ""

    client.force_login(moderator)
    client.post(f"/moderation/{listing.pk}/", {"decision": "approve"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and listing.published_at is not None
    client.logout()
    assert client.get(listing.get_absolute_url()).status_code == 200


def test_moderation_is_staff_only(client, seller, listing):
    client.force_login(seller)
    assert client.get("/moderation/").status_code == 403  # the site's 403 page, not the admin's sign-in
    client.post(f"/moderation/{listing.pk}/", {"decision": "reject", "reason": "x"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.listing_reject(listing=listing, moderator=seller, reason="x")


def test_only_the_seller_edits(client, buyer, listing):
    client.force_login(buyer)
    assert client.get(f"/listings/{listing.pk}/edit/").status_code == 404
    assert client.post(f"/listings/{listing.pk}/edit/", POST).status_code == 404
    with pytest.raises(PermissionDenied):
        services.listing_update(listing=listing, user=buyer, title="Моё")


def test_photos_are_cleaned_thumbnailed_once_and_ordered(seller):
    listing = services.listing_create(
        seller=seller,
        title="С фото",
        address="ул. 1",
        rooms=1,
        area=Decimal("40"),
        floor=1,
        floors_total=5,
        price=Decimal("400000000"),
        photos=[
            SimpleUploadedFile("a.jpg", _jpeg_with_exif((3000, 2000)), "image/jpeg"),
            SimpleUploadedFile("b.jpg", _jpeg_with_exif(), "image/jpeg"),
        ],
    )
    first, second = listing.photos.all()
    assert (first.position, second.position) == (0, 1)
    with Image.open(first.image.path) as stored:
        assert not stored.getexif()  # camera and GPS gone
        assert max(stored.size) == 2000
    with Image.open(first.thumbnail.path) as thumb:
        assert thumb.size == (640, 480)
    thumb_name = first.thumbnail.name
    services.listing_photo_make_cover(photo=second, user=seller)
    assert [p.pk for p in listing.photos.all()] == [second.pk, first.pk]
    first.refresh_from_db()
    assert first.thumbnail.name == thumb_name  # not regenerated
    assert listing.cover.pk == second.pk


def _listing_with_photos(seller, photos):  # type: ignore[no-untyped-def]
    """A minimal listing of `seller`'s, created by the service with these photos."""
    return services.listing_create(
        seller=seller,
        title="X",
        address="Y",
        rooms=1,
        area=Decimal("40"),
        floor=1,
        floors_total=5,
        price=Decimal("1000"),
        photos=photos,
    )


@pytest.mark.parametrize(
    ("payload", "name", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, "x.gif", "photo_invalid"),
        (b"not an image", "x.jpg", "photo_invalid"),
    ],
)
def test_bad_photo_is_refused_and_nothing_saved(seller, payload, name, code):
    with pytest.raises(ValidationError) as info:
        _listing_with_photos(seller, [SimpleUploadedFile(name, payload)])
    assert info.value.code == code
    assert not Listing.objects.exists()


def test_gif_is_refused_as_a_type(seller):
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, format="GIF")
    with pytest.raises(ValidationError) as info:
        services.photo_prepare(SimpleUploadedFile("x.gif", buffer.getvalue()))
    assert info.value.code == "photo_type"


def test_photo_over_5_mb_is_refused(client, seller):
    client.force_login(seller)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10), "image/jpeg")
    response = client.post("/listings/new/", POST | {"photos": [big]})
    assert "больше 5 МБ" in response.content.decode()
    assert not Listing.objects.exists()


def test_photo_cover_and_delete_only_by_seller(client, seller, buyer):
    listing = _listing_with_photos(seller, [SimpleUploadedFile("a.jpg", _jpeg_with_exif(), "image/jpeg")] * 2)
    photo = listing.photos.last()
    client.force_login(buyer)
    assert client.post(f"/listings/photos/{photo.pk}/delete/").status_code == 404
    assert client.post(f"/listings/photos/{photo.pk}/move/", {"direction": "earlier"}).status_code == 404
    client.force_login(seller)
    client.post(f"/listings/photos/{photo.pk}/cover/")
    assert listing.photos.first().pk == photo.pk
    client.post(f"/listings/photos/{photo.pk}/delete/")
    assert listing.photos.count() == 1


def test_view_counter_counts_each_visitor_session_once(client, buyer, listing):
    client.get(listing.get_absolute_url())
    client.get(listing.get_absolute_url())
    view_counts_flush()
    listing.refresh_from_db()
    assert listing.views_count == 1
    client.force_login(listing.seller)  # the seller's own visits don't count
    client.get(listing.get_absolute_url())
    view_counts_flush()
    listing.refresh_from_db()
    assert listing.views_count == 1


def test_favorites_toggle_and_list(client, buyer, listing):
    assert client.post(f"/listings/{listing.pk}/favorite/").status_code == 302  # to sign-in
    assert not Favorite.objects.exists()
    client.force_login(buyer)
    client.post(f"/listings/{listing.pk}/favorite/", {"next": "https://evil.example/"})
    assert Favorite.objects.filter(user=buyer, listing=listing).exists()
    assert listing.title in client.get("/favorites/").content.decode()
    assert "В избранном" in client.get(listing.get_absolute_url()).content.decode()
    response = client.post(f"/listings/{listing.pk}/favorite/", {"next": "https://evil.example/"})
    assert response.headers["Location"] == listing.get_absolute_url()
    assert not Favorite.objects.exists()


def test_cannot_favorite_an_unpublished_listing(client, buyer, seller, make_listing):
    draft = make_listing(seller, status=ListingStatus.DRAFT)
    client.force_login(buyer)
    assert client.post(f"/listings/{draft.pk}/favorite/").status_code == 404


def test_dashboard_lists_listings_auctions_payments_and_receipt(client, seller, buyer, auction):
    payment = fee_initiate(auction_id=auction.pk, user=seller)
    fee_pay_offline(payment)
    client.force_login(seller)
    page = client.get("/dashboard/").content.decode()
    assert payment.merchant_trans_id in page and auction.listing.title in page
    receipt = client.get(f"/dashboard/payments/{payment.pk}/receipt/")
    assert receipt.status_code == 200
    assert "50\u00a0000\u00a0сум" in receipt.content.decode()
    client.force_login(buyer)
    assert client.get(f"/dashboard/payments/{payment.pk}/receipt/").status_code == 404


def test_seed_demo_has_districts_and_new_fields(settings):
    from django.core.management import call_command

    settings.DEBUG = True  # seed_demo is for development
    call_command("seed_demo", stdout=io.StringIO())
    listings = Listing.objects.all()
    assert listings.count() >= 8
    assert all(x.district_id for x in listings)
    assert listings.filter(rooms=0).exists() and listings.filter(market="new").exists()
    assert all(x.photos.count() == 3 and x.photos.first().thumbnail for x in listings)
    # All for sale, but the flat whose demo auction ended with a winner: it is marked sold.
    assert set(listings.values_list("status", flat=True)) == {ListingStatus.PUBLISHED, ListingStatus.SOLD}
    sold = listings.get(status=ListingStatus.SOLD)
    assert sold.auctions.get().winner_id is not None and sold.sold_price == sold.auctions.get().current_price


@pytest.mark.parametrize("paid", [True, False], ids=["paid auction", "unpaid auction"])
def test_listing_cannot_change_while_its_auction_is_open(
    client, seller, listing, paid, make_paid_auction, make_auction
):
    # Unpaid too: an edit would send the listing back to moderation while its auction can still be paid.
    auction = make_paid_auction(listing) if paid else make_auction(listing)
    listing = auction.listing
    client.force_login(seller)
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"price": "1"})
    assert response.status_code == 200
    assert "Пока у объявления открыт аукцион" in response.content.decode()
    listing.refresh_from_db()
    assert listing.price == Decimal("850000000") and listing.status == ListingStatus.PUBLISHED


def test_photos_move_earlier_and_later(client, seller):
    photos = [SimpleUploadedFile(f"{n}.jpg", _jpeg_with_exif(), "image/jpeg") for n in range(3)]
    listing = _listing_with_photos(seller, photos)
    a, b, c = listing.photos.all()
    client.force_login(seller)
    client.post(f"/listings/photos/{c.pk}/move/", {"direction": "earlier"})
    assert [p.pk for p in listing.photos.all()] == [a.pk, c.pk, b.pk]
    client.post(f"/listings/photos/{a.pk}/move/", {"direction": "later"})
    assert [p.pk for p in listing.photos.all()] == [c.pk, a.pk, b.pk]
    client.post(f"/listings/photos/{c.pk}/move/", {"direction": "earlier"})  # already first: nothing moves
    assert [(p.pk, p.position) for p in listing.photos.all()] == [(c.pk, 0), (a.pk, 1), (b.pk, 2)]


def test_nul_byte_in_the_listing_form_is_an_error_not_a_500(client, seller):
    client.force_login(seller)
    for field in ("region", "district", "title", "currency", "market"):
        response = client.post("/listings/new/", POST | {field: "x\x00"})
        assert response.status_code == 200, field
    assert not Listing.objects.exists()


def test_reprice_command_follows_the_rate(seller, make_listing, settings):
    from django.core.management import call_command

    dollars = make_listing(seller, price=Decimal("50000"), currency="USD", area=Decimal("50"))
    soums = make_listing(seller, price=Decimal("500000000"), area=Decimal("50"))
    settings.USD_UZS_RATE = "13000"
    call_command("listings_reprice", stdout=io.StringIO())
    dollars.refresh_from_db()
    soums.refresh_from_db()
    assert dollars.price_uzs == Decimal("650000000.00") and dollars.price_per_m2_uzs == Decimal("13000000")
    assert soums.price_uzs == Decimal("500000000.00")


def test_reprice_names_a_listing_whose_soum_price_would_not_fit_and_reprices_the_rest(seller, make_listing, settings):
    from django.core.management import CommandError, call_command

    settings.USD_UZS_RATE = "12800"
    largest = make_listing(seller, price=Decimal("780000000"), currency="USD", area=Decimal("50"))
    later = make_listing(seller, price=Decimal("100000"), currency="USD", area=Decimal("50"))  # read first
    before = largest.price_uzs
    settings.USD_UZS_RATE = "13000"
    with pytest.raises(CommandError, match=f"ids {largest.pk}"):
        call_command("listings_reprice", stdout=io.StringIO())
    largest.refresh_from_db()
    later.refresh_from_db()
    assert largest.price_uzs == before and later.price_uzs == Decimal("1300000000.00")


def test_a_listing_with_an_open_auction_cannot_be_rejected(paid_auction, make_operator):
    from django.core.exceptions import ValidationError

    from listings.services import listing_reject

    with pytest.raises(ValidationError) as error:
        listing_reject(listing=paid_auction.listing, moderator=make_operator(), reason="Фото не те")
    assert error.value.code == "auction_open"
    paid_auction.listing.refresh_from_db()
    assert paid_auction.listing.status == ListingStatus.PUBLISHED


def test_staff_without_the_moderation_permission_cannot_moderate(client, seller, make_user, settings):
    settings.LISTINGS_AUTO_APPROVE = False
    client.force_login(seller)
    client.post("/listings/new/", POST)
    listing = Listing.objects.get()
    client.force_login(make_user(is_staff=True))
    assert client.get("/moderation/").status_code == 403
    assert client.post(f"/moderation/{listing.pk}/", {"decision": "approve"}).status_code == 403
    listing.refresh_from_db()
    assert listing.status == ListingStatus.REVIEW


@pytest.mark.parametrize("paid", [True, False], ids=["paid auction", "unpaid auction"])
def test_photos_cannot_change_while_its_auction_is_open(client, seller, listing, paid, make_paid_auction, make_auction):
    # Buyers bid on what they saw: the cover, the order and the set of photos are part of it.
    jpeg = _jpeg_with_exif()
    listing = services.listing_update(
        listing=listing, user=seller, photos=[SimpleUploadedFile(f"{n}.jpg", jpeg, "image/jpeg") for n in range(3)]
    )
    before = [(p.pk, p.position) for p in listing.photos.all()]
    first, second, last = listing.photos.all()
    make_paid_auction(listing) if paid else make_auction(listing)
    client.force_login(seller)
    for url, data in [
        (f"/listings/photos/{last.pk}/cover/", {}),
        (f"/listings/photos/{second.pk}/move/", {"direction": "earlier"}),
        (f"/listings/photos/{first.pk}/move/", {"direction": "later"}),
        (f"/listings/photos/{first.pk}/delete/", {}),
    ]:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert "Пока у объявления открыт аукцион" in response.content.decode(), url
    assert [(p.pk, p.position) for p in listing.photos.all()] == before
    # The edit page says so before anything is pressed, without the buttons that would be refused.
    page = client.get(f"/listings/{listing.pk}/edit/").content.decode()
    assert 'data-testid="auction-open-notice"' in page
    assert f'form="delete-{first.pk}"' not in page and f'form="cover-{last.pk}"' not in page
    with pytest.raises(ValidationError):
        services.listing_photo_delete(photo=first, user=seller)
    assert listing.photos.count() == 3


def test_a_photo_deleted_in_another_tab_is_not_found_or_refused(client, seller, listing):
    listing = services.listing_update(
        listing=listing,
        user=seller,
        photos=[SimpleUploadedFile(f"{n}.jpg", _jpeg_with_exif(), "image/jpeg") for n in range(2)],
    )
    first, second = listing.photos.all()
    client.force_login(seller)
    page = client.get(f"/listings/{listing.pk}/edit/").content.decode()
    assert f'form="delete-{first.pk}"' in page and 'data-testid="auction-open-notice"' not in page
    services.listing_photo_delete(photo=first, user=seller)
    assert [(p.pk, p.position) for p in listing.photos.all()] == [(second.pk, 0)]  # positions stay 0..n-1
    for path in ("cover", "move", "delete"):
        response = client.post(f"/listings/photos/{first.pk}/{path}/", {"direction": "later"}, follow=True)
        assert response.status_code == 404, path  # the photo is gone: the view does not find it
    stale = first  # a photo object read before another tab deleted it
    with pytest.raises(ValidationError) as refused:
        services.listing_photo_move(photo=stale, user=seller, step=1)
    assert refused.value.code == "photo_gone"


def test_several_bad_photos_are_each_named_and_the_good_one_is_kept_as_a_draft(seller):
    """The service refuses the save for its bad files, names each, and keeps the good photo as the
    seller's draft for the corrected form (the uploads themselves are spent by then)."""
    from listings.models import ListingPhotoDraft

    good = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(good, format="JPEG")
    with pytest.raises(services.PhotosRefused) as info:
        _listing_with_photos(
            seller,
            [
                SimpleUploadedFile("a.jpg", b"not an image"),
                SimpleUploadedFile("good.jpg", good.getvalue()),
                SimpleUploadedFile("b.jpg", b"nor this"),
            ],
        )
    assert info.value.code == "photo_invalid"
    assert [error.params["name"] for error in info.value.error_list] == ["a.jpg", "b.jpg"]
    assert not Listing.objects.exists()
    assert [draft.pk for draft in info.value.drafts] == list(ListingPhotoDraft.objects.values_list("pk", flat=True))
    assert len(info.value.drafts) == 1 and info.value.drafts[0].user_id == seller.pk

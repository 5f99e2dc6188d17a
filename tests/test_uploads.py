"""Uploads are bounded (issue 13, finding 1): a per-photo decode cap, a per-request pixel budget,
JPEG decoded at a reduced scale, and per-seller hourly limits on listings and photos.

How long a request takes and how much memory it uses is measured by bench/uploads.py, not here.
"""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from listings import services
from listings.models import Listing, ListingPhoto
from tests.test_listings_marketplace import POST

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def png(width: int, height: int, mode: str = "RGBA", name: str = "p.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (200, 120, 40, 255) if mode == "RGBA" else (200, 120, 40)).save(
        buffer, format="PNG"
    )
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def jpeg(width: int, height: int, name: str = "j.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def test_the_reported_png_is_refused_before_it_is_decoded(client, seller):
    """6300×6300 RGBA, about 150 KB on disk, 160 MB decoded: refused by its header, with a message."""
    photo = png(6300, 6300)
    assert photo.size < 300 * 1024
    client.force_login(seller)
    response = client.post("/listings/new/", POST | {"photos": [photo]})
    assert response.status_code == 200
    assert "слишком большое" in response.content.decode()
    assert not Listing.objects.exists() and not ListingPhoto.objects.exists()


def test_a_big_jpeg_is_decoded_at_a_reduced_scale(monkeypatch):
    """The same size is fine as a JPEG (decoded at 1/2 scale) and too big as a PNG (decoded whole)."""
    monkeypatch.setattr(services, "PHOTO_DECODE_BYTES_MAX", 16 * 1024 * 1024)
    ((full, thumb),) = services.photos_prepare([jpeg(4200, 4200)])
    assert Image.open(full).size == (2000, 2000)
    assert Image.open(thumb).size == services.THUMB_SIZE
    with pytest.raises(ValidationError) as refused:
        services.photos_prepare([png(4200, 4200, mode="RGB")])
    assert refused.value.code == "photo_pixels"


def test_one_request_decodes_at_most_the_pixel_budget(client, seller, settings):
    settings.PHOTO_REQUEST_PIXEL_BUDGET = 1_000_000
    client.force_login(seller)
    photos = [png(600, 600, name=f"{i}.png") for i in range(3)]  # 1.08 megapixels together
    response = client.post("/listings/new/", POST | {"photos": photos})
    assert response.status_code == 200
    assert "Слишком много больших фото за один раз" in response.content.decode()
    assert not Listing.objects.exists() and not ListingPhoto.objects.exists()

    # Two of them fit; the third comes with the next edit.
    response = client.post("/listings/new/", POST | {"photos": [png(600, 600, name=f"{i}.png") for i in range(2)]})
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert listing.photos.count() == 2


def test_listings_per_seller_and_hour(client, seller, buyer, settings):
    settings.LISTINGS_PER_USER_HOURLY = 2
    client.force_login(seller)
    for _ in range(2):
        assert client.post("/listings/new/", POST).status_code == 302
    response = client.post("/listings/new/", POST)
    assert response.status_code == 200
    assert "Слишком много новых объявлений за час" in response.content.decode()
    assert Listing.objects.filter(seller=seller).count() == 2
    # Another seller has their own count.
    client.force_login(buyer)
    assert client.post("/listings/new/", POST).status_code == 302


def test_photos_per_seller_and_hour(client, seller, settings):
    settings.PHOTOS_PER_USER_HOURLY = 3
    client.force_login(seller)
    assert client.post("/listings/new/", POST | {"photos": [png(50, 50, name="a.png"), png(50, 50)]}).status_code == 302
    listing = Listing.objects.get()
    response = client.post(
        f"/listings/{listing.pk}/edit/", POST | {"photos": [png(50, 50, name="c.png"), png(50, 50, name="d.png")]}
    )
    assert response.status_code == 200
    assert "Слишком много фото за час" in response.content.decode()
    assert listing.photos.count() == 2
    # A refused upload is not counted: one more photo still fits in the hour.
    response = client.post(f"/listings/{listing.pk}/edit/", POST | {"photos": [png(50, 50, name="e.png")]})
    assert response.status_code == 302
    assert listing.photos.count() == 3


def test_a_request_waits_for_the_photo_slot_only_so_long(client, seller, settings):
    """Photos are decoded by one request at a time per process; the next one waits, then is told to retry."""
    settings.PHOTO_PROCESSING_WAIT_SECONDS = 0.05
    client.force_login(seller)
    assert services._PHOTO_SLOT.acquire(timeout=5)  # another request is decoding
    try:
        response = client.post("/listings/new/", POST | {"photos": [png(50, 50)]})
    finally:
        services._PHOTO_SLOT.release()
    assert response.status_code == 200
    assert "Сейчас загружается много фото" in response.content.decode()
    assert not Listing.objects.exists()
    assert client.post("/listings/new/", POST | {"photos": [png(50, 50)]}).status_code == 302

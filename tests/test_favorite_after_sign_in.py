"""The heart "В избранное" pressed while signed out (issue 14, item 10): the favourite is added right after
sign-in, and only for a visitor who really pressed it (a CSRF-checked POST on this site)."""

import pytest
from django.test import Client

from listings.models import Favorite

pytestmark = pytest.mark.django_db
PENDING = "/favorites/after-sign-in/"


def test_signed_out_heart_asks_to_sign_in_then_adds_the_favourite(client, seller, buyer, listing):
    response = client.post(f"/listings/{listing.pk}/favorite/", {"next": "/listings/?rooms=2"})
    assert response.status_code == 302
    assert response["Location"] == "/login/phone/?next=%2Ffavorites%2Fafter-sign-in%2F"
    assert not Favorite.objects.exists()

    client.force_login(buyer)
    response = client.get(PENDING)
    assert response["Location"] == "/listings/?rooms=2"  # back where the heart was pressed
    assert list(Favorite.objects.values_list("user_id", "listing_id")) == [(buyer.pk, listing.pk)]
    # Only once: coming back again changes nothing, and a favourite is never removed this way.
    response = client.get(PENDING)
    assert response["Location"] == "/favorites/"
    assert Favorite.objects.count() == 1


def test_the_intent_survives_the_sign_in(client, buyer, listing):
    client.post(f"/listings/{listing.pk}/favorite/")
    response = client.post("/login/", {"username": buyer.phone, "password": "Kvartira-2026!", "next": PENDING})
    assert response.status_code == 302 and response["Location"] == PENDING
    response = client.get(PENDING)
    assert response["Location"] == listing.get_absolute_url()
    assert Favorite.objects.filter(user=buyer, listing=listing).exists()


def test_a_link_from_elsewhere_adds_nothing(client, buyer, listing):
    client.force_login(buyer)
    assert client.get(f"{PENDING}?listing={listing.pk}")["Location"] == "/favorites/"
    assert client.get(f"/listings/{listing.pk}/favorite/").status_code == 405
    assert not Favorite.objects.exists()


def test_a_cross_site_post_is_refused(buyer, listing):
    signed_out = Client(enforce_csrf_checks=True)
    assert signed_out.post(f"/listings/{listing.pk}/favorite/").status_code == 403
    assert "favorite_after_sign_in" not in signed_out.session
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(buyer)
    assert signed_in.post(f"/listings/{listing.pk}/favorite/").status_code == 403
    assert not Favorite.objects.exists()


def test_next_may_not_leave_the_site(client, buyer, listing):
    client.post(f"/listings/{listing.pk}/favorite/", {"next": "https://evil.example/"})
    client.force_login(buyer)
    assert client.get(PENDING)["Location"] == listing.get_absolute_url()


def test_the_heart_answers_fetch_with_json(client, buyer, listing):
    client.force_login(buyer)
    url = f"/listings/{listing.pk}/favorite/"
    assert client.post(url, headers={"X-Requested-With": "fetch"}).json() == {"favorite": True}
    assert client.post(url, headers={"X-Requested-With": "fetch"}).json() == {"favorite": False}
    assert not Favorite.objects.exists()


def test_cards_show_the_heart_state(client, seller, buyer, make_listing):
    liked = make_listing(seller, title="Любимая")
    make_listing(seller, title="Другая")
    Favorite.objects.create(user=buyer, listing=liked)
    client.force_login(buyer)
    for url in ("/", "/listings/", "/favorites/"):
        html = client.get(url).content.decode()
        assert html.count('aria-pressed="true"') == 1, url
    client.force_login(seller)  # no heart on one's own flats
    assert 'data-testid="card-favorite"' not in client.get("/").content.decode()

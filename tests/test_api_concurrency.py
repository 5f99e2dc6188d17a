"""API bids at the same instant, on PostgreSQL row locks: the API goes through the same
locked service as the site, so the auction row and the Bid rows agree."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from auctions.models import Bid
from tests.test_bidding_concurrency import assert_consistent, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_api_bids_at_the_same_price_one_wins(make_user, seller, make_listing, make_paid_auction):
    cache.clear()
    auction = make_paid_auction(make_listing(seller), starts_in=-timedelta(minutes=5))
    bidders = [make_user() for _ in range(8)]
    tokens = [Token.objects.create(user=user).key for user in bidders]

    def bid(token: str):
        def call():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            response = client.post(f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "800000000"}, format="json")
            return response.status_code, response.json()

        return call

    results, _elapsed = run_together([bid(token) for token in tokens])
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * 7, results
    assert {body["error"]["code"] for status, body in results if status == 409} == {"too_low"}
    winner = next(body for status, body in results if status == 201)
    assert winner["leading"] is True
    bids = assert_consistent(auction, accepted=1)
    assert bids[0].pk == winner["bid_id"]
    assert Bid.objects.count() == 1
    cache.clear()


def test_the_same_favourite_added_twice_at_once_stays_a_favourite(buyer, seller, make_listing):
    from listings.models import Favorite

    cache.clear()
    listing = make_listing(seller)
    token = Token.objects.create(user=buyer).key

    def add():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post("/api/v1/me/favorites/", {"listing_id": listing.pk}, format="json").status_code

    results, _seconds = run_together([add for _ in range(6)])
    assert results == [201] * 6
    assert Favorite.objects.filter(user=buyer, listing=listing).count() == 1

"""The bid path's statements (issue 12): one lock, a handful of statements, nothing read twice,
the live state built once for the open pages and the bidder's answer, nothing slow inside the
transaction. Exact counts on the hot path, as Zulip does: a change that adds a query fails here."""

import json
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from auctions import effects
from auctions.live import auction_group

START = Decimal("800000000")


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _statements(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split(" ", 1)[0].upper() if q["sql"] else "" for q in context.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_an_accepted_bid_through_the_api(paid_auction, buyer, make_user, monkeypatch):
    # The outbid rival's notification is a Celery publish in production; here (no broker, tests
    # run it in the request) it would read the auction and the user: not part of the bid path.
    monkeypatch.setattr(effects, "auction_event_listeners", [])
    rival = make_user(first_name="Соперник")
    _client(rival).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": str(START)}, format="json")
    client = _client(buyer)
    client.get(f"/api/v1/auctions/{paid_auction.pk}/")  # the token is known, the caches warm

    with CaptureQueriesContext(connection) as ctx:
        r = client.post(
            f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": str(START + paid_auction.bid_step)}, format="json"
        )

    assert r.status_code == 201, r.content
    body = r.json()
    assert body["leading"] is True and body["auction"]["current_price"] == f"{START + paid_auction.bid_step:.2f}"
    assert body["auction"]["leader"] == buyer.masked_phone and body["auction"]["bid_count"] == 2
    kinds = _statements(ctx)
    # The token with its user; the visible auction (its read serves the early refusal too); the
    # transaction: lock, bid row, event row, auction row; after the commit, the bid history for the
    # live state. Nothing else: the answer is built from the auction as the bid left it.
    assert kinds == ["SELECT", "SELECT", "BEGIN", "SELECT", "INSERT", "INSERT", "UPDATE", "COMMIT", "SELECT"], kinds
    lock = ctx.captured_queries[3]["sql"]
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in lock
    else:  # SQLite has no row locks: its IMMEDIATE transaction takes the write lock at BEGIN (core.sqlite)
        assert ctx.captured_queries[2]["sql"].upper().startswith("BEGIN IMMEDIATE"), ctx.captured_queries[2]
    assert all("FOR UPDATE" not in q["sql"] for i, q in enumerate(ctx.captured_queries) if i != 3)


@pytest.mark.django_db(transaction=True)
def test_a_bid_already_too_low_is_refused_without_a_second_read(paid_auction, buyer, make_user):
    rival = make_user(first_name="Соперник")
    _client(rival).post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": str(START)}, format="json")
    client = _client(buyer)
    client.get(f"/api/v1/auctions/{paid_auction.pk}/")

    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/api/v1/auctions/{paid_auction.pk}/bids/", {"amount": str(START)}, format="json")

    assert r.status_code == 409 and r.json()["error"]["code"] == "too_low"
    assert _statements(ctx) == ["SELECT", "SELECT"]  # the token, the visible auction: no lock, no re-read


@pytest.mark.django_db(transaction=True)
def test_the_site_answers_with_the_state_the_pages_were_sent(client, paid_auction, buyer):
    """The site's JSON answer and the broadcast carry the one state built after the commit."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(auction_group(paid_auction.pk), channel)
    client.force_login(buyer)
    try:
        r = client.post(
            f"/auctions/{paid_auction.pk}/bid/", {"amount": str(START)}, headers={"accept": "application/json"}
        )
        message = async_to_sync(layer.receive)(channel)
    finally:
        async_to_sync(layer.group_discard)(auction_group(paid_auction.pk), channel)

    assert r.status_code == 200, r.content
    pushed = json.loads(message["text"])
    answer = r.json()["state"]
    assert pushed == {"type": "state", **answer}  # the same state, server_time included
    assert answer["current_price"] == str(int(START)) and answer["leader"] == buyer.masked_phone

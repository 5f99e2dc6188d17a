"""Anonymous visitors' views are remembered in a signed cookie: reading pages creates no session row."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from auctions.views_pages import SEEN_COOKIE
from listings.view_counts import view_counts_flush


def _views(listing) -> int:
    view_counts_flush()  # the views counted in Redis, added as the minute's beat task does
    listing.refresh_from_db()
    return listing.views_count


def test_an_anonymous_reader_gets_no_session_and_counts_once(client, paid_auction, listing):
    assert paid_auction.listing_id == listing.pk
    client.get(listing.get_absolute_url())
    client.get(paid_auction.get_absolute_url())  # the same visitor on the auction page: still one view
    client.get(listing.get_absolute_url())
    assert _views(listing) == 1
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies
    assert SEEN_COOKIE in client.cookies
    Client().get(paid_auction.get_absolute_url())  # another visitor
    assert _views(listing) == 2
    assert Session.objects.count() == 0


def test_a_forged_seen_cookie_is_ignored(client, listing):
    client.cookies[SEEN_COOKIE] = str(listing.pk)  # not signed by us
    client.get(listing.get_absolute_url())
    assert _views(listing) == 1
    client.get(listing.get_absolute_url())
    assert _views(listing) == 1


def test_a_listing_seen_before_signing_in_is_not_counted_again(client, buyer, listing):
    client.get(listing.get_absolute_url())
    client.force_login(buyer)
    client.get(listing.get_absolute_url())
    assert _views(listing) == 1


def test_signed_in_visitors_are_remembered_in_their_session(buyer, listing):
    other = Client()
    other.force_login(buyer)
    other.get(listing.get_absolute_url())
    other.get(listing.get_absolute_url())
    assert _views(listing) == 1
    assert SEEN_COOKIE not in other.cookies


@pytest.mark.postgres  # SET LOCAL synchronous_commit is PostgreSQL's; SQLite writes the view plainly
@pytest.mark.django_db(transaction=True)
def test_a_view_outside_a_transaction_commits_without_waiting_for_the_disk(client, listing):
    """The view written at once (no Redis, or Redis failing: listings.view_counts)."""
    from listings.services import listing_view_register

    with CaptureQueriesContext(connection) as queries:
        listing_view_register(listing_id=listing.pk)
    assert _views(listing) == 1
    statements = [q["sql"] for q in queries.captured_queries]
    update = next(i for i, sql in enumerate(statements) if sql.startswith('UPDATE "listings_listing"'))
    assert statements[update - 1] == "SET LOCAL synchronous_commit TO OFF"
    with connection.cursor() as cursor:  # only that transaction: the connection is back to the default
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"

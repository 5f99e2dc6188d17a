"""The one-row visibility reads (auctions.selectors.auction_visible_to) are written out and apply the
rule in Python (auction_visible_for, listings.selectors.listing_public): they must agree with the
querysets' rule (auctions_visible, listings_visible_q) for every kind of auction and visitor, and
build the rows the ORM builds."""

from itertools import product

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.models import Auction
from auctions.selectors import AUCTION_PAGE_RELATED, auction_visible_to, auctions_visible
from listings.models import Listing, ListingStatus

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_written_out_rule_agrees_with_the_querysets_for_every_auction_and_visitor(
    seller, make_user, make_listing, make_auction
):
    winner, stranger = make_user(), make_user()
    operator = make_user(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="change_auction"))
    staff_without_permission = make_user(is_staff=True)
    visitors = [AnonymousUser(), None, seller, winner, stranger, operator, staff_without_permission]

    auctions = []
    for status, operator_test, is_paid in product(ListingStatus.values, (False, True), (False, True)):
        listing = make_listing(seller)
        auction = make_auction(listing)
        Listing.objects.filter(pk=listing.pk).update(status=status, operator_test=operator_test)
        Auction.objects.filter(pk=auction.pk).update(is_paid=is_paid, winner=winner if is_paid else None)
        auctions.append(auction.pk)

    seen = 0
    for visitor, pk in product(visitors, auctions):
        expected = auctions_visible(user=visitor).filter(pk=pk).exists()
        found = auction_visible_to(pk=pk, user=visitor)
        assert (found is not None) == expected, (visitor, pk)
        seen += expected
    # Not a vacuous agreement: some of each.
    assert 0 < seen < len(visitors) * len(auctions)
    assert auction_visible_to(pk=max(auctions) + 1000, user=operator) is None


@pytest.mark.parametrize("related", [AUCTION_PAGE_RELATED, ("listing", "leader"), ()])
def test_the_read_is_one_statement_and_builds_what_select_related_builds(paid_auction, buyer, related):
    Auction.objects.filter(pk=paid_auction.pk).update(leader=buyer)
    with CaptureQueriesContext(connection) as queries:
        found = auction_visible_to(pk=paid_auction.pk, user=None, related=related)
    assert found is not None and len(queries) == 1

    expected = Auction.objects.select_related("listing", *related).get(pk=paid_auction.pk)
    assert _fields(found) == _fields(expected)
    assert _fields(found.listing) == _fields(expected.listing)
    with CaptureQueriesContext(connection) as queries:
        if "listing__region" in related:
            assert _fields(found.listing.region) == _fields(expected.listing.region)
            assert found.listing.district is not None
            assert _fields(found.listing.district) == _fields(expected.listing.district)
        if "leader" in related:
            assert found.leader == buyer and _fields(found.leader) == _fields(expected.leader)
    assert len(queries) == 0  # what was asked for came with the row


def test_a_missing_leader_or_district_and_an_unknown_relation(paid_auction):
    Listing.objects.filter(pk=paid_auction.listing_id).update(district=None)
    with CaptureQueriesContext(connection) as queries:
        found = auction_visible_to(pk=paid_auction.pk, user=None)
        assert found is not None and found.leader_id is None and found.leader is None
        assert found.listing.district_id is None and found.listing.district is None
    assert len(queries) == 1
    with pytest.raises(ValueError, match="seller"):
        auction_visible_to(pk=paid_auction.pk, user=None, related=("seller",))

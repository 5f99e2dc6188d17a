"""The admin answers what a forged or hand-edited admin URL sends with a 400, never a 500, on every
registered model (config/admin_site.py): staff are clients too."""

import pytest
from django.contrib import admin
from django.urls import reverse

from listings.models import Listing, ListingStatus

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    {"q": "\x00"},
    {"q": "a " * 2000},
    {"status": "\x00"},
    {"created_at__year": "99999"},
    {"created_at__year": "9999"},
    {"created_at__year": "2026", "created_at__month": "13"},
    {"created_at__year": "2026", "created_at__month": "2", "created_at__day": "31"},
    {"created_at__gte": "\x00"},
    {"id__exact": "9" * 30},
    {"o": "abc"},
    {"p": "9" * 30},
]
HOSTILE_IDS = ["abc", "9" * 30, "\x00", "-1"]


@pytest.fixture
def superuser(make_user):
    user = make_user(is_staff=True)
    user.is_superuser = True
    user.save()
    return user


def _changelists():
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        actions = ["delete_selected", *(a if isinstance(a, str) else a.__name__ for a in model_admin.actions or [])]
        yield url, actions


def test_no_admin_page_answers_a_hostile_request_with_a_500(client, superuser, paid_auction):
    client.raise_request_exception = False  # a 500 is counted, not raised, to list them all
    client.force_login(superuser)
    server_errors = []
    for url, actions in _changelists():
        for params in HOSTILE_QUERIES:
            status = client.get(url, params).status_code
            if status >= 500:
                server_errors.append((url, params, status))
        for action in actions:
            for pk in HOSTILE_IDS:
                status = client.post(url, {"action": action, "_selected_action": [pk], "index": "0"}).status_code
                if status >= 500:
                    server_errors.append((url, action, pk, status))
        for pk in ("abc", "9" * 30, "%00"):
            status = client.get(f"{url}{pk}/change/").status_code
            if status >= 500:
                server_errors.append((url, pk, status))
    assert server_errors == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "\x00"},
        {"created_at__year": "99999"},
        {"created_at__year": "2026", "created_at__month": "2", "created_at__day": "31"},
        {"q": "квартира " * 65},
    ],
)
def test_hostile_filters_are_400(client, superuser, params):
    client.force_login(superuser)
    assert client.get("/admin/listings/listing/", params).status_code == 400


def test_an_action_on_ids_that_are_not_ids_is_400_and_changes_nothing(client, superuser, seller, make_listing):
    listing = make_listing(seller, status=ListingStatus.REVIEW)
    client.force_login(superuser)
    for pk in ("abc", "9" * 30):
        data = {"action": "approve", "_selected_action": [str(listing.pk), pk], "index": "0"}
        assert client.post("/admin/listings/listing/", data).status_code == 400
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.REVIEW
    # The same action on real ids works as before, and ordinary filters and searches too.
    data = {"action": "approve", "_selected_action": [str(listing.pk)], "index": "0"}
    assert client.post("/admin/listings/listing/", data).status_code == 302
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.PUBLISHED
    for params in (
        {"created_at__year": "2026", "created_at__month": "2"},
        {"q": "квартира Юнусабад"},
        {"status": "published"},
    ):
        assert client.get("/admin/listings/listing/", params).status_code == 200


def test_anonymous_visitors_still_go_to_the_sign_in_page_first(client):
    response = client.get("/admin/listings/listing/", {"status": "\x00"})
    assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]


def test_the_axes_clean_up_action_works(client, superuser):
    from axes.models import AccessAttempt
    from django.utils import timezone

    old = AccessAttempt.objects.create(username="+998901112233", ip_address="10.0.0.1", failures_since_start=3)
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timezone.timedelta(days=2))
    fresh = AccessAttempt.objects.create(username="+998901112244", ip_address="10.0.0.2", failures_since_start=1)
    client.force_login(superuser)
    data = {"action": "cleanup_expired_attempts", "_selected_action": [str(fresh.pk)], "index": "0"}
    assert client.post("/admin/axes/accessattempt/", data).status_code == 302
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.parametrize(
    "params",
    [
        [("status", "\x00"), ("status", "published")],
        [("status", "published"), ("status", "\x00")],
        [("created_at__year", "99999"), ("created_at__year", "2026")],
        [("status\x00", "published")],
    ],
)
def test_every_value_of_a_repeated_parameter_is_checked(client, superuser, params):
    from urllib.parse import urlencode

    client.force_login(superuser)
    assert client.get("/admin/listings/listing/?" + urlencode(params)).status_code == 400
    assert client.get("/admin/auctions/bid/?" + urlencode(params)).status_code == 400


@pytest.mark.parametrize("code", ["²", "--5", "9" * 5000, "-"])
def test_the_click_error_code_filter_ignores_what_is_not_a_code(client, superuser, code):
    client.force_login(superuser)
    assert client.get("/admin/clickuz/clickcallback/", {"error_code": code}).status_code == 200


def _listing_admin_data(listing, **changes):
    data = {
        "title": listing.title,
        "seller": str(listing.seller_id),
        "region": listing.region_id,
        "district": listing.district_id or "",
        "address": listing.address,
        "rooms": "2",
        "area": "64.5",
        "floor": "3",
        "floors_total": "9",
        "market": listing.market,
        "price": "850000000",
        "currency": "UZS",
        "status": listing.status,
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    return data | changes


@pytest.mark.parametrize(
    "changes",
    [
        {"currency": "USD", "price": "800000000000"},
        {"price": "99999999999999.99"},
        {"amenities": ["\x00"]},
        {"amenities": ["NaN"]},
        {"amenities": ["[" * 10000]},
        {"status": "sold", "sold_price": "99999999999999.99"},
    ],
)
def test_the_admin_listing_form_refuses_what_the_site_form_refuses(client, superuser, listing, changes):
    client.force_login(superuser)
    response = client.post(f"/admin/listings/listing/{listing.pk}/change/", _listing_admin_data(listing, **changes))
    assert response.status_code == 200 and response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.price == 850000000 and listing.currency == "UZS" and listing.amenities == []


def test_the_admin_listing_form_still_saves(client, superuser, listing):
    client.force_login(superuser)
    data = _listing_admin_data(listing, price="900000000", amenities=["balcony", "gas"])
    response = client.post(f"/admin/listings/listing/{listing.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    listing.refresh_from_db()
    assert listing.price == 900000000 and listing.amenities == ["balcony", "gas"]


def test_a_reason_with_a_nul_is_an_error_on_the_form(client, superuser, paid_auction):
    client.force_login(superuser)
    response = client.post(f"/admin/auctions/auction/{paid_auction.pk}/cancel/", {"reason": "a\x00b"})
    assert response.status_code == 200 and "недопустимый символ" in response.content.decode()
    paid_auction.refresh_from_db()
    assert paid_auction.status != "cancelled"


@pytest.mark.parametrize(
    ("url", "field"),
    [("/admin/auth/group/add/", "permissions"), ("/admin/listings/listing/add/", "seller")],
)
def test_relation_ids_past_64_bits_are_400(client, superuser, url, field):
    client.force_login(superuser)
    assert client.post(url, {"name": "x", field: ["9223372036854775808"]}).status_code == 400
    assert client.post(url, {"name": "x", field: ["9" * 5000]}).status_code == 400
    for odd in ("abc", "--5"):
        assert client.post(url, {"name": "x", field: [odd]}).status_code == 200  # Django's own form error

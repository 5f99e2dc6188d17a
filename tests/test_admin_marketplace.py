"""Admin pages for the marketplace models: they render, and moderation goes through the service."""

import pytest

from accounts.models import PhoneCode
from listings.models import ListingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model", ["listings/region", "listings/district", "listings/favorite", "accounts/phonecode", "listings/listing"]
)
def test_changelists_render_and_search(admin_client, model, listing):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/", {"q": "90"}).status_code == 200


def test_admin_approve_action_publishes_only_listings_on_review(admin_client, seller, make_listing):
    on_review = make_listing(seller, status=ListingStatus.REVIEW)
    rejected = make_listing(seller, status=ListingStatus.REJECTED, rejection_reason="Нет фото")
    admin_client.post(
        "/admin/listings/listing/",
        {"action": "approve", "_selected_action": [on_review.pk, rejected.pk]},
    )
    on_review.refresh_from_db()
    rejected.refresh_from_db()
    assert on_review.status == ListingStatus.PUBLISHED
    assert rejected.status == ListingStatus.REJECTED


def test_phone_codes_are_read_only_and_never_show_the_hash(admin_client):
    from django.utils import timezone

    code = PhoneCode.objects.create(phone="+998901234567", code_hash="f" * 64, expires_at=timezone.now())
    page = admin_client.get(f"/admin/accounts/phonecode/{code.pk}/change/").content.decode()
    assert "f" * 64 not in page
    assert admin_client.get("/admin/accounts/phonecode/add/").status_code == 403

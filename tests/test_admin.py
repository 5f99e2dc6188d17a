"""The admin answers "the payment went through but the auction was not activated" in one look."""

import pytest
from django.urls import reverse

from fees.models import AuctionPayment
from tests.test_click_endpoints import complete, prepared_attempt  # signed Click requests

pytestmark = pytest.mark.django_db

MODELS = [
    "accounts/user",
    "listings/listing",
    "listings/listingphoto",
    "auctions/auction",
    "fees/auctionpayment",
    "fees/paymentattempt",
    "fees/feerefund",
    "fees/paymentevent",
    "fees_click/clickinvoice",
    "auctions/bid",
    "auctions/auctionevent",
    "clickuz/clickcallback",
]


@pytest.fixture
def admin_client_ru(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_searchable_filterable_changelist(admin_client_ru, model, paid_auction):
    url = f"/admin/{model}/"
    response = admin_client_ru.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="changelist-search"' in page
    assert 'id="changelist-filter"' in page or model in ("listings/listingphoto",)
    assert admin_client_ru.get(url, {"q": "AUCTION_"}).status_code == 200


def test_payment_page_shows_auction_status_attempts_and_raw_callbacks(admin_client_ru, client, payment):
    prepared, prepare_answer = prepared_attempt(client, payment)
    complete(client, payment, prepared, prepare_answer, error="-5017")  # declined at Click
    page = admin_client_ru.get(reverse("admin:fees_auctionpayment_change", args=[payment.pk])).content.decode()
    assert payment.merchant_trans_id in page
    assert "is_paid=False" in page
    assert str(prepared["click_trans_id"]) in page  # the Click attempt inline
    assert "Transaction cancelled" in page  # the Complete's answer in the callback log
    assert "Success" in page  # the Prepare's answer


def test_auctions_and_payments_are_not_editable_in_admin(admin_client_ru, payment):
    url = reverse("admin:fees_auctionpayment_change", args=[payment.pk])
    admin_client_ru.post(url, {"status": "completed", "amount": "1"})
    payment.refresh_from_db()
    assert payment.status == "pending" and str(payment.amount) == "50000.00"
    assert AuctionPayment.objects.count() == 1
    assert admin_client_ru.get(reverse("admin:auctions_auction_add")).status_code == 403


@pytest.mark.parametrize(
    "model",
    [
        "auctions/auction",
        "fees/auctionpayment",
        "fees/paymentattempt",
        "auctions/bid",
        "auctions/auctionevent",
    ],
)
def test_evidence_cannot_be_deleted_in_admin(admin_client_ru, paid_auction, buyer, model):
    from django.apps import apps

    from auctions.bidding import bid_place

    bid_place(auction_id=paid_auction.pk, bidder=buyer, amount=800_000_000)
    Model = apps.get_model(*model.split("/"))
    obj = Model.objects.first()
    assert admin_client_ru.post(f"/admin/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Model.objects.filter(pk=obj.pk).exists()

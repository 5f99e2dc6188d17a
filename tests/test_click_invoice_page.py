"""The "send the invoice to my Click app" form in the fee block (PostgreSQL, fake Click over HTTP)."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from fees_click.models import ClickInvoice, ClickInvoiceStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _page(client, auction) -> str:
    return client.get(reverse("auctions:detail", args=[auction.pk])).content.decode()


def test_seller_sends_the_invoice_and_sees_it_waiting(client, click_merchant, payment, settings):
    auction = payment.auction
    client.force_login(auction.seller)
    page = _page(client, auction)
    assert 'data-testid="click-invoice"' in page and auction.seller.phone in page  # prefilled with the seller's phone
    expires = timezone.localtime(payment.created_at + timedelta(seconds=settings.CLICK_PAYMENT_EXPIRES_AFTER_SECONDS))
    assert f'data-testid="payment-expires">{expires:%d.%m.%Y %H:%M}<' in page

    response = client.post(
        reverse("fees_click:payment-invoice", args=[auction.pk]), {"phone": "90 111 22 33"}, follow=True
    )
    page = response.content.decode()
    invoice = ClickInvoice.objects.get()
    assert invoice.payment == payment and invoice.phone_number == "+998901112233"
    assert invoice.status == ClickInvoiceStatus.WAITING
    assert click_merchant.calls("POST")[0].body["merchant_trans_id"] == payment.merchant_trans_id
    assert "Счёт отправлен в приложение Click на номер +998901112233" in page
    assert 'data-testid="invoice-status"' in page and 'data-reload-after="10"' in page  # static/js/site.js reloads it

    # A second press within a minute is refused, nothing sent.
    page = client.post(
        reverse("fees_click:payment-invoice", args=[auction.pk]), {"phone": "+998901112233"}, follow=True
    ).content.decode()
    assert "Повторить можно через минуту" in page and len(click_merchant.calls("POST")) == 1


def test_initiates_the_fee_when_none_is_open(client, click_merchant, auction):
    client.force_login(auction.seller)
    assert 'data-testid="click-invoice"' in _page(client, auction)
    client.post(reverse("fees_click:payment-invoice", args=[auction.pk]), {"phone": auction.seller.phone})
    assert ClickInvoice.objects.get().payment.auction == auction


@pytest.mark.parametrize("phone", ["", "12", "x" * 500, "+7 999 123 45 67"])
def test_bad_phone_is_a_clear_error(client, click_merchant, payment, phone):
    client.force_login(payment.auction.seller)
    response = client.post(
        reverse("fees_click:payment-invoice", args=[payment.auction_id]), {"phone": phone}, follow=True
    )
    assert response.status_code == 200 and "Введите номер телефона Узбекистана" in response.content.decode()
    assert not ClickInvoice.objects.exists() and click_merchant.requests == []


def test_only_the_seller_and_only_by_post(client, click_merchant, payment, buyer, make_listing, make_paid_auction):
    url = reverse("fees_click:payment-invoice", args=[payment.auction_id])
    assert client.post(url, {"phone": "+998901112233"}).status_code == 302  # to sign-in
    client.force_login(buyer)
    # Not the seller: the unpaid auction is not found, exactly as an id that does not exist.
    assert client.post(url, {"phone": "+998901112233"}).status_code == 404
    assert client.get(url).status_code == 405
    assert (
        client.post(reverse("fees_click:payment-invoice", args=[999999]), {"phone": "+998901112233"}).status_code == 404
    )
    # A public auction is there for everybody; its fee is still its seller's only.
    public = make_paid_auction(make_listing(payment.auction.seller))
    response = client.post(reverse("fees_click:payment-invoice", args=[public.pk]), {"phone": "+998901112233"})
    assert "Оплатить сбор может только продавец." in [str(m) for m in get_messages(response.wsgi_request)]
    assert not ClickInvoice.objects.exists() and click_merchant.requests == []
    # Not the seller: an unpaid auction is not even public (auctions.selectors.auctions_visible).
    assert client.get(reverse("auctions:detail", args=[payment.auction_id])).status_code == 404


def test_hidden_without_the_merchant_api(client, payment, settings):
    assert settings.CLICK_MERCHANT_API_URL == ""
    client.force_login(payment.auction.seller)
    assert 'data-testid="click-invoice"' not in _page(client, payment.auction)
    page = client.post(
        reverse("fees_click:payment-invoice", args=[payment.auction_id]), {"phone": "+998901112233"}, follow=True
    ).content.decode()
    assert "недоступен" in page and not ClickInvoice.objects.exists()

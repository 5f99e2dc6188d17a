"""The Click pay link for an auction fee: the same link on the auction page and in the API."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from clickuz.paylink import click_pay_url
from fees.models import AuctionPayment

# Click sends the payer back with this query; it proves nothing, it only
# makes the page wait for Click's Complete by reloading itself.
RETURNED_FROM_CLICK = "from=click"


def fee_pay_url(request: HttpRequest, payment: AuctionPayment) -> str:
    """my.click.uz's pay page (the local sandbox when CLICK_SANDBOX) for this fee, returning to the auction page."""
    if settings.CLICK_SANDBOX:
        base = request.build_absolute_uri(reverse("clickuz:sandbox-pay"))
    else:
        base = settings.CLICK_PAY_URL
    auction_url = reverse("auctions:detail", args=[payment.auction_id])
    return click_pay_url(
        base_url=base,
        service_id=str(settings.CLICK_SERVICE_ID),
        merchant_id=str(settings.CLICK_MERCHANT_ID),
        amount=payment.amount,
        transaction_param=payment.merchant_trans_id,
        return_url=request.build_absolute_uri(f"{auction_url}?{RETURNED_FROM_CLICK}"),
        merchant_user_id=str(settings.CLICK_MERCHANT_USER_ID),
    )

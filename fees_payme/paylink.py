"""The Payme pay link for an auction fee (merchant-api.md §7): checkout.paycom.uz, or the
local sandbox's pay page when PAYME_SANDBOX is on."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language

from fees.models import AuctionPayment
from paymeuz.paylink import payme_pay_url

# Payme sends the payer back to this; it proves nothing, it only makes the page wait for
# PerformTransaction by reloading itself.
RETURNED_FROM_PAYME = "from=payme"
# Payme waits this long on its success screen before returning the payer.
RETURN_AFTER_MS = 5000
PAYME_LANGUAGES = ("ru", "uz", "en")


def payme_enabled() -> bool:
    return bool(settings.PAYME_MERCHANT_ID)


def fee_amount_tiyin(payment: AuctionPayment) -> int:
    return int(payment.amount * 100)


def fee_payme_pay_url(request: HttpRequest, payment: AuctionPayment) -> str:
    if settings.PAYME_SANDBOX:
        base = request.build_absolute_uri(reverse("paymeuz:sandbox-pay-form"))
    else:
        base = settings.PAYME_CHECKOUT_URL
    language = (get_language() or "ru")[:2]
    auction_url = reverse("auctions:detail", args=[payment.auction_id])
    return payme_pay_url(
        base_url=base,
        merchant_id=settings.PAYME_MERCHANT_ID,
        order_id=payment.merchant_trans_id,
        amount_tiyin=fee_amount_tiyin(payment),
        lang=language if language in PAYME_LANGUAGES else "ru",
        return_url=request.build_absolute_uri(f"{auction_url}?{RETURNED_FROM_PAYME}"),
        return_after_ms=RETURN_AFTER_MS,
    )

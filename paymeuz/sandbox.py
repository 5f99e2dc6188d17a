"""A local stand-in for checkout.paycom.uz (PAYME_SANDBOX on only).

It takes the same link as the real checkout (the base64 of `m=…;ac.order_id=…;a=…`),
shows what the payer would confirm, and on "Pay" or "Cancel" calls our own Payme
endpoint over HTTP with Payme's auth, exactly as Payme would (paymeuz.simulator), then
returns the payer to the link's `c` URL."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from paymeuz.keys import current_key
from paymeuz.paylink import payme_pay_params
from paymeuz.simulator import simulate_payment

MAX_TIYIN = 10**14


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest, encoded: str = "") -> HttpResponse:
    if not settings.PAYME_SANDBOX:
        raise Http404
    params = payme_pay_params(encoded)
    problems = []
    if params.get("m") != settings.PAYME_MERCHANT_ID:
        problems.append("m")
    amount_text = params.get("a", "")
    # ASCII digits only and no longer than the limit: "²" passes isdigit() and 5 000 digits break int().
    if not (amount_text.isascii() and amount_text.isdigit() and len(amount_text) <= 14) or not (
        0 < int(amount_text) < MAX_TIYIN
    ):
        problems.append("a")
    order_id = params.get("ac.order_id", "")
    if not order_id:
        problems.append("ac.order_id")
    return_url = params.get("c", "") or "/"
    if not url_has_allowed_host_and_scheme(return_url, allowed_hosts={request.get_host()}):
        return_url = "/"  # the sandbox only ever returns the payer to this site
    context: dict[str, Any] = {
        "params": params,
        "order_id": order_id,
        "amount_soums": int(amount_text) / 100 if "a" not in problems else 0,
        "problems": problems,
        "return_url": return_url,
        "lang": params.get("l", ""),
    }
    if request.method == "GET" or problems:
        return render(request, "paymeuz/sandbox_pay.html", context, status=400 if problems else 200)

    base = request.build_absolute_uri("/").rstrip("/")
    declined = "decline" in request.POST
    result = simulate_payment(
        endpoint_url=base + settings.PAYME_ENDPOINT_PATH,
        key=current_key(),
        order_id=order_id,
        amount_tiyin=int(amount_text),
        decline=declined,
    )
    if result.paid or (declined and result.exchanges and result.exchanges[-1].result is not None):
        return HttpResponseRedirect(return_url)
    # Refused: show what the merchant answered, like Payme's error screen.
    context["result"] = result
    return render(request, "paymeuz/sandbox_pay.html", context, status=200)

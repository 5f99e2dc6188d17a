"""A local stand-in for my.click.uz's pay page (CLICK_SANDBOX on only).

It takes the same query string as the real pay link, shows what the payer
would confirm, and on "Pay" or "Decline" calls our own Prepare and Complete
URLs over HTTP with real signatures, exactly as Click would, then returns
the payer to `return_url`.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from clickuz.simulator import simulate_payment

MAX_AMOUNT_EXPONENT = 12  # no fee is a trillion soums


def _sandbox_params(request: HttpRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return {
        name: source.get(name, "")
        for name in ("service_id", "merchant_id", "amount", "transaction_param", "return_url", "merchant_user_id")
    }


@require_http_methods(["GET", "POST"])
def sandbox_pay(request: HttpRequest) -> HttpResponse:
    if not settings.CLICK_SANDBOX:
        raise Http404
    params = _sandbox_params(request)
    problems = []
    if params["service_id"] != str(settings.CLICK_SERVICE_ID):
        problems.append("service_id")
    try:
        amount = Decimal(params["amount"])
        if not amount.is_finite() or amount <= 0 or amount.adjusted() > MAX_AMOUNT_EXPONENT:
            raise InvalidOperation
    except InvalidOperation:
        problems.append("amount")
    if not params["transaction_param"]:
        problems.append("transaction_param")
    return_url = params["return_url"]
    if not url_has_allowed_host_and_scheme(return_url, allowed_hosts={request.get_host()}):
        # The sandbox only ever returns the payer to this site.
        return_url = params["return_url"] = "/"
    context: dict[str, Any] = {"params": params, "problems": problems, "return_url": return_url}
    if request.method == "GET" or problems:
        return render(request, "clickuz/sandbox_pay.html", context, status=400 if problems else 200)

    base = request.build_absolute_uri("/").rstrip("/")
    result = simulate_payment(
        prepare_url=base + settings.CLICK_PREPARE_PATH,
        complete_url=base + settings.CLICK_COMPLETE_PATH,
        service_id=str(settings.CLICK_SERVICE_ID),
        secret_key=settings.CLICK_SECRET_KEY,
        merchant_trans_id=params["transaction_param"],
        amount=params["amount"],
        decline="decline" in request.POST,
    )
    if result.paid or "decline" in request.POST:
        return HttpResponseRedirect(return_url)
    # Prepare (or Complete) refused: show what the merchant answered, like Click's error screen.
    context["result"] = result
    return render(request, "clickuz/sandbox_pay.html", context, status=200)

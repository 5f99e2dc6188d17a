from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns


def ping(request: HttpRequest) -> HttpResponse:
    """The trivial Django view: the cost of a request through the same stack, without the database."""
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
def locked_write(request: HttpRequest) -> JsonResponse:
    """The least any correct callback does (bench/click.py's floor): lock one payment row by its
    order id and write it, in one transaction. No signature, no attempt row, no log, no checks."""
    from fees.models import AuctionPayment

    with transaction.atomic():
        order = request.POST.get("merchant_trans_id", "")
        payment = AuctionPayment.objects.select_for_update().filter(merchant_trans_id=order).first()
        if payment is None:
            return JsonResponse({"error": -5})
        AuctionPayment.objects.filter(pk=payment.pk).update(updated_at=timezone.now())
    return JsonResponse({"error": 0, "merchant_prepare_id": payment.pk, "merchant_confirm_id": payment.pk})


def _token_user(request: HttpRequest) -> int | None:
    from rest_framework.authtoken.models import Token

    key = request.headers.get("Authorization", "").removeprefix("Token ")
    return Token.objects.filter(key=key, user__is_active=True).values_list("user_id", flat=True).first()


def floor_read(request: HttpRequest, pk: int) -> JsonResponse:
    """The least a bidder's read does (bench/bids.py's floor): the token's user, then the auction
    row by its primary key, answered as JSON. No visibility rule, no history, no throttle, no DRF."""
    from auctions.models import Auction

    if _token_user(request) is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    row = Auction.objects.filter(pk=pk).values("current_price", "starting_price", "bid_step", "leader_id").get()
    minimum = row["starting_price"] if row["current_price"] is None else row["current_price"] + row["bid_step"]
    return JsonResponse({"current_price": row["current_price"], "min_next_bid": minimum, "leader": row["leader_id"]})


@csrf_exempt
def floor_bid(request: HttpRequest, pk: int) -> JsonResponse:
    """The least a correct bid does (bench/bids.py's floor): the token's user; below the minimum
    of an unlocked read, refused; else, in one transaction, lock the auction row, check the amount
    again, insert the bid and update the price. No rules, proxy bids, events, throttles or broadcast."""
    import json
    from decimal import Decimal

    from auctions.models import Auction, Bid

    user_id = _token_user(request)
    if user_id is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    amount = Decimal(json.loads(request.body)["amount"])
    columns = ("current_price", "starting_price", "bid_step")

    def minimum(row: dict) -> Decimal:  # type: ignore[type-arg]
        return row["starting_price"] if row["current_price"] is None else row["current_price"] + row["bid_step"]

    if amount < minimum(Auction.objects.filter(pk=pk).values(*columns).get()):
        return JsonResponse({"error": "too_low"}, status=409)
    with transaction.atomic():
        row = Auction.objects.select_for_update().filter(pk=pk).values(*columns, "bid_count").get()
        if amount < minimum(row):
            return JsonResponse({"error": "too_low"}, status=409)
        bid = Bid.objects.create(auction_id=pk, bidder_id=user_id, amount=amount)
        Auction.objects.filter(pk=pk).update(
            current_price=amount, leader_id=user_id, bid_count=row["bid_count"] + 1, updated_at=timezone.now()
        )
    return JsonResponse({"bid_id": bid.pk, "amount": str(amount)}, status=201)


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/locked-write/", locked_write),
    path("bench/floor/auctions/<int:pk>/", floor_read),
    path("bench/floor/auctions/<int:pk>/bids/", floor_bid),
    *project_urlpatterns,
]

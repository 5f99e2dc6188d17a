from decimal import Decimal

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


def _minimum(row: dict) -> Decimal:  # type: ignore[type-arg]
    """The least next bid of an auction's row (current_price, starting_price, bid_step)."""
    return row["starting_price"] if row["current_price"] is None else row["current_price"] + row["bid_step"]


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
    return JsonResponse(
        {"current_price": row["current_price"], "min_next_bid": _minimum(row), "leader": row["leader_id"]}
    )


@csrf_exempt
def floor_bid(request: HttpRequest, pk: int) -> JsonResponse:
    """The least a correct bid does (bench/bids.py's floor): the token's user; below the minimum
    of an unlocked read, refused; else, in one transaction, lock the auction row, check the amount
    again, insert the bid and update the price. No rules, proxy bids, events, throttles or broadcast."""
    import json

    from auctions.models import Auction, Bid

    user_id = _token_user(request)
    if user_id is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    amount = Decimal(json.loads(request.body)["amount"])
    columns = ("current_price", "starting_price", "bid_step")
    if amount < _minimum(Auction.objects.filter(pk=pk).values(*columns).get()):
        return JsonResponse({"error": "too_low"}, status=409)
    with transaction.atomic():
        row = Auction.objects.select_for_update().filter(pk=pk).values(*columns, "bid_count").get()
        if amount < _minimum(row):
            return JsonResponse({"error": "too_low"}, status=409)
        bid = Bid.objects.create(auction_id=pk, bidder_id=user_id, amount=amount)
        Auction.objects.filter(pk=pk).update(
            current_price=amount, leader_id=user_id, bid_count=row["bid_count"] + 1, updated_at=timezone.now()
        )
    return JsonResponse({"bid_id": bid.pk, "amount": str(amount)}, status=201)


def _redis_floor_read(request: HttpRequest, pk: int) -> tuple[int | None, dict | None]:  # type: ignore[type-arg]
    """The token's user and the auction's state from Redis, in one round trip (MGET); either one
    missing is read from PostgreSQL once and kept."""
    from django.core.cache import cache

    from auctions.models import Auction

    key = request.headers.get("Authorization", "").removeprefix("Token ")
    token_key, state_key = f"bench-floor-token:{key}", f"bench-floor-state:{pk}"
    found = cache.get_many([token_key, state_key])
    user_id, state = found.get(token_key), found.get(state_key)
    if user_id is None:
        user_id = _token_user(request)
        if user_id is None:
            return None, None
        cache.set(token_key, user_id, 300)
    if state is None:
        state = Auction.objects.filter(pk=pk).values("current_price", "starting_price", "bid_step", "leader_id").get()
        cache.set(state_key, state, 300)
    return user_id, state


def floor_redis_read(request: HttpRequest, pk: int) -> JsonResponse:
    """floor_read with no PostgreSQL at all: the token's user and the auction's state come from
    Redis (one MGET), kept there by floor_redis_bid after each commit. A bound, not a design: it
    shows what the read costs when the database is out of it."""
    user_id, state = _redis_floor_read(request, pk)
    if user_id is None or state is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    return JsonResponse(
        {"current_price": state["current_price"], "min_next_bid": _minimum(state), "leader": state["leader_id"]}
    )


@csrf_exempt
def floor_redis_bid(request: HttpRequest, pk: int) -> JsonResponse:
    """floor_bid refusing from the Redis state (no PostgreSQL for a refusal); an accepted bid is
    floor_bid's locked transaction, after which the new state is written to Redis."""
    import json

    from django.core.cache import cache

    from auctions.models import Auction, Bid

    user_id, state = _redis_floor_read(request, pk)
    if user_id is None or state is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    amount = Decimal(json.loads(request.body)["amount"])
    if amount < _minimum(state):
        return JsonResponse({"error": "too_low"}, status=409)
    columns = ("current_price", "starting_price", "bid_step", "leader_id")
    with transaction.atomic():
        row = Auction.objects.select_for_update().filter(pk=pk).values(*columns, "bid_count").get()
        if amount < _minimum(row):
            cache.set(f"bench-floor-state:{pk}", {name: row[name] for name in columns}, 300)
            return JsonResponse({"error": "too_low"}, status=409)
        bid = Bid.objects.create(auction_id=pk, bidder_id=user_id, amount=amount)
        Auction.objects.filter(pk=pk).update(
            current_price=amount, leader_id=user_id, bid_count=row["bid_count"] + 1, updated_at=timezone.now()
        )
        state = {**{name: row[name] for name in columns}, "current_price": amount, "leader_id": user_id}
        transaction.on_commit(lambda: cache.set(f"bench-floor-state:{pk}", state, 300))
    return JsonResponse({"bid_id": bid.pk, "amount": str(amount)}, status=201)


urlpatterns = [
    path("bench/ping/", ping),
    path("bench/locked-write/", locked_write),
    path("bench/floor/auctions/<int:pk>/", floor_read),
    path("bench/floor/auctions/<int:pk>/bids/", floor_bid),
    path("bench/floor-redis/auctions/<int:pk>/", floor_redis_read),
    path("bench/floor-redis/auctions/<int:pk>/bids/", floor_redis_bid),
    *project_urlpatterns,
]

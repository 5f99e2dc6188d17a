from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from auctions import bidding, lifecycle
from auctions.errors import AuctionRuleError
from auctions.forms import AuctionCreateForm, BidForm
from auctions.models import Auction
from auctions.rules import bid_step_default
from auctions.selectors import (
    auction_bid_typo_suspected,
    auction_live_state,
    auction_min_next_bid,
    auction_panel,
    default_auction_window,
)
from auctions.shortcuts import auction_visible_or_404
from auctions.views_pages import listing_view_count, seen_cookie_set
from core.formatting import format_amount
from core.ratelimit import rate_limit_allows, rate_limited_message
from listings.models import Listing

# Messages about bidding carry this tag: the auction panel shows them beside the form, and the form's
# redirect lands there, so the answer is where the bidder is looking (on a phone too).
BID = "bid"
BID_RESULT_ANCHOR = "#bid-result"


def auction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    auction = auction_visible_or_404(request, pk)
    seen = listing_view_count(request, auction.listing)
    panel = auction_panel(auction, user=request.user)
    is_seller = request.user.is_authenticated and request.user.pk == auction.seller_id
    context = {
        "auction": auction,
        "listing": auction.listing,
        "photos": list(auction.listing.photos.all()),
        "panel": panel,
        "is_seller": is_seller,
        "bid_form": BidForm(initial={"amount": int(panel.min_next_bid)}),
        "soft_close_minutes": settings.AUCTION_SOFT_CLOSE_MINUTES,
    }
    return seen_cookie_set(render(request, "auctions/auction_detail.html", context), seen)


@login_required
def auction_create(request: HttpRequest, listing_pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=listing_pk, seller=request.user)
    if request.method == "POST":
        form = AuctionCreateForm(request.POST)
        if form.is_valid():
            try:
                auction = lifecycle.auction_create(seller=request.user, listing=listing, **form.cleaned_data)
            except AuctionRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Аукцион создан. Нажмите «Инициировать оплату» и оплатите сбор, чтобы открыть его.")
                )
                return redirect(reverse("auctions:detail", args=[auction.pk]) + "#payment")
    else:
        starts_at, ends_at = default_auction_window()
        form = AuctionCreateForm(
            initial={
                "starts_at": starts_at,
                "ends_at": ends_at,
                "starting_price": int(listing.price) if listing.currency == "UZS" else None,
                "bid_step": int(bid_step_default(listing.price)) if listing.currency == "UZS" else None,
            }
        )
    return render(
        request, "auctions/auction_create.html", {"form": form, "listing": listing, "fee": settings.AUCTION_FEE}
    )


@login_required
@require_POST
def bid_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The bid form. A client sending `Accept: application/json` gets JSON instead of a redirect:
    {"ok", "code", "message", "bid_id", "state"} (409 "confirm_required" for the typo guard)."""
    auction = auction_visible_or_404(request, pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    back = redirect(reverse("auctions:detail", args=[auction.pk]) + BID_RESULT_ANCHOR)

    def refuse(code: str, message: str, status: int = 400) -> HttpResponse:
        if wants_json:
            return JsonResponse({"ok": False, "code": code, "message": message}, status=status)
        messages.error(request, message, extra_tags=BID)
        return back

    if not rate_limit_allows(scope="bid", request=request):
        return refuse("rate_limited", rate_limited_message(), 429)
    form = BidForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for name in ("amount", "max_amount") for e in form.errors.get(name, [])]
        if wants_json:
            return JsonResponse({"ok": False, "code": "invalid_amount", "message": " ".join(errors)}, status=400)
        for error in errors:
            messages.error(request, error, extra_tags=BID)
        return back
    amount, max_amount = form.cleaned_data["amount"], form.cleaned_data["max_amount"]
    if not form.cleaned_data["confirm"] and auction_bid_typo_suspected(auction, amount, max_amount):
        if wants_json:
            return refuse("confirm_required", _("Сумма намного больше минимальной: подтвердите ставку."), 409)
        return render(
            request,
            "auctions/bid_confirm.html",
            {
                "auction": auction,
                "listing": auction.listing,
                "amount": amount,
                "max_amount": max_amount,
                "minimum": auction_min_next_bid(auction),
            },
        )
    try:
        bid = bidding.bid_place(
            auction_id=auction.pk, bidder=request.user, amount=amount, max_amount=max_amount, seen=auction
        )
    except AuctionRuleError as exc:
        if wants_json:  # with the fresh state, so the client can bid again at once
            state = auction_live_state(Auction.objects.select_related("leader").get(pk=auction.pk))
            status = 409 if exc.code in ("too_low", "ended", "not_open", "not_started") else 400
            return JsonResponse({"ok": False, "code": exc.code, "message": exc.message, "state": state}, status=status)
        return refuse(exc.code, exc.message)
    auction = bid.auction  # as this bid left it (locked and written): no second read
    leading = auction.leader_id == request.user.pk
    if leading and amount is None:
        # Only the hidden maximum was raised: no new bid, the price stays.
        message = _("Ваш максимум повышен до %(max)s сум. Текущая цена не изменилась: %(price)s сум. Вы лидируете.") % {
            "max": format_amount(auction.leader_max or max_amount or 0),
            "price": format_amount(auction.current_price or 0),
        }
    elif leading:
        message = _("Ставка %(amount)s сум принята. Вы лидируете.") % {
            "amount": format_amount(auction.current_price or bid.amount)
        }
    else:
        message = _(
            "Ставка %(amount)s сум принята, но автоставка другого участника выше: текущая цена %(price)s сум."
        ) % {"amount": format_amount(bid.amount), "price": format_amount(auction.current_price or 0)}
    if wants_json:
        return JsonResponse(
            {
                "ok": True,
                "code": "max_raised" if amount is None else "accepted",
                "leading": leading,
                "message": message,
                "bid_id": bid.pk,
                # The state the open pages were sent for this bid, built once for both.
                "state": bid.live_state or auction_live_state(auction),
            }
        )
    (messages.success if leading else messages.warning)(request, message, extra_tags=BID)
    return back


def _back_to_panel(auction: Auction) -> HttpResponse:
    return redirect(reverse("auctions:detail", args=[auction.pk]) + BID_RESULT_ANCHOR)


@login_required
@require_POST
def buy_now(request: HttpRequest, pk: int) -> HttpResponse:
    auction = auction_visible_or_404(request, pk)
    if not rate_limit_allows(scope="bid", request=request):
        messages.error(request, rate_limited_message(), extra_tags=BID)
        return _back_to_panel(auction)
    try:
        bidding.auction_buy_now(auction_id=auction.pk, buyer=request.user)
    except AuctionRuleError as exc:
        messages.error(request, exc.message, extra_tags=BID)
    return _back_to_panel(auction)  # a buyer sees "you won, next steps" in the panel


@login_required
@require_POST
def watch_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    auction = auction_visible_or_404(request, pk)
    if lifecycle.auction_watch_toggle(auction_id=auction.pk, user=request.user):
        messages.success(
            request, _("Вы следите за аукционом: сообщим о начале, скором окончании и продлении."), extra_tags=BID
        )
    else:
        messages.info(request, _("Вы больше не следите за этим аукционом."), extra_tags=BID)
    return _back_to_panel(auction)


@login_required
@require_POST
def auction_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    auction = auction_visible_or_404(request, pk, related=())
    try:
        lifecycle.auction_cancel(auction_id=auction.pk, user=request.user)
    except AuctionRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Аукцион отменён."))
    return redirect(auction)

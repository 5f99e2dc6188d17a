"""The REST API: thin views over the same services and selectors as the site."""

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import PhoneAuthenticationForm
from accounts.models import User
from api import serializers as s
from api.exceptions import ApiError
from api.language import ApiLanguageMixin
from api.schema import errors, search_parameters
from api.throttling import (
    AnonThrottle,
    BidThrottle,
    PaymentThrottle,
    ThrottlesCountedTogether,
    TokenThrottle,
    UserThrottle,
)
from auctions import bidding
from auctions.models import Auction, AuctionStatus, Bid
from auctions.selectors import (
    PUBLIC_BID_HISTORY_LIMIT,
    auction_bid_typo_suspected,
    auction_min_next_bid,
    auction_public_bids,
    auction_visible_to,
    auctions_active,
    auctions_of_seller,
    auctions_public,
    auctions_upcoming,
    bids_of_bidder,
)
from core.formatting import format_amount
from core.numwords import amount_in_words
from fees.models import AuctionPayment, PaymentStatus
from fees.rules import payment_is_expired
from fees.services import fee_initiate
from fees_click.paylink import fee_pay_url
from fees_payme.paylink import fee_payme_pay_url, payme_enabled
from listings import services as listing_services
from listings.forms import SearchForm
from listings.models import Listing
from listings.selectors import (
    listing_visible_to,
    listings_favorite_of,
    listings_of_seller,
    listings_search,
    regions_with_districts,
)

BID_HISTORY_LIMIT = PUBLIC_BID_HISTORY_LIMIT


class ApiViewMixin(ThrottlesCountedTogether, ApiLanguageMixin):
    """What every API view is: messages in the client's language, throttles counted together."""


def _user(request: Request) -> User:
    """The signed-in user (the view's permission has checked it)."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - IsAuthenticated has refused the request
        raise NotAuthenticated
    return user


def _user_id(request: Request) -> int | None:
    return request.user.pk if request.user.is_authenticated else None


# --- Tokens --------------------------------------------------------------------


class TokenView(ApiViewMixin, APIView):
    """Obtain (POST) or revoke (DELETE) an API token."""

    throttle_classes = [TokenThrottle, AnonThrottle]

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, **errors(400, 429)},
        summary="Get an API token by phone number and password",
        description="Send it as `Authorization: Token <token>`. The same token is returned until revoked.",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request: HttpRequest = request._request
        form = PhoneAuthenticationForm(
            django_request, data={"username": data.validated_data["phone"], "password": data.validated_data["password"]}
        )
        if not form.is_valid():
            messages = [str(m) for m in form.non_field_errors()] or [str(m) for e in form.errors.values() for m in e]
            raise ApiError(message=" ".join(messages), code="invalid_credentials", status_code=400)
        token, _created = Token.objects.get_or_create(user=form.get_user())
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None, **errors(401)}, summary="Revoke your API token")
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=_user(request)).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Listings --------------------------------------------------------------------


class ListingListView(ApiViewMixin, generics.ListAPIView):
    """Search published listings: the same filters and sorting as the site's /listings/ page."""

    permission_classes = [AllowAny]
    serializer_class = s.ListingSearchResultSerializer

    def get_queryset(self) -> QuerySet[Listing]:
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError({name: [str(m) for m in msgs] for name, msgs in form.errors.items()})
        return listings_search(params=form.params(), user_id=_user_id(self.request))

    @extend_schema(
        parameters=search_parameters(),
        responses={200: s.ListingSearchResultSerializer(many=True), **errors(400, 404, 429)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ListingDetailView(ApiViewMixin, APIView):
    """A listing: published ones for everybody; the seller also sees their others, moderators all."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.ListingSerializer, **errors(404, 429)})
    def get(self, request: Request, pk: int) -> Response:
        listing = listing_visible_to(pk=pk, user=request.user)
        if listing is None:
            raise ApiError(message=_not_found(), code="not_found", status_code=404)
        return Response(s.ListingSerializer(listing, context={"request": request}).data)


def _not_found() -> str:
    return str(NotFound.default_detail)


# --- Auctions ----------------------------------------------------------------------

AUCTION_FILTERS = ["active", "scheduled", "ended"]


def _auction_visible(*, pk: int, user: User | AnonymousUser) -> Auction:
    """The auction if this client may see it (auctions_visible: the site's and the WebSocket's rule),
    with what the API shows of it joined: the listing's title and the leader's masked phone."""
    auction = auction_visible_to(pk=pk, user=user, related=("listing", "leader"))
    if auction is None:
        raise ApiError(message=_not_found(), code="not_found", status_code=404)
    return auction


class AuctionListView(ApiViewMixin, generics.ListAPIView):
    """Paid auctions, newest first; `status` picks running, upcoming or finished ones by the clock."""

    permission_classes = [AllowAny]
    serializer_class = s.AuctionSerializer

    def get_queryset(self) -> QuerySet[Auction]:
        wanted = self.request.query_params.get("status", "")
        now = timezone.now()
        if wanted and wanted not in AUCTION_FILTERS:
            raise serializers.ValidationError({"status": [f"{wanted!r}: {', '.join(AUCTION_FILTERS)}"]})
        if wanted == "active":
            qs = auctions_active(now=now)
        elif wanted == "scheduled":
            qs = auctions_upcoming(now=now)
        else:
            qs = auctions_public().order_by("-created_at", "-id")
            if wanted == "ended":
                qs = qs.exclude(status=AuctionStatus.CANCELLED).filter(ends_at__lte=now).order_by("-ends_at", "-id")
        return qs.select_related("listing", "leader")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, OpenApiParameter.QUERY, required=False, enum=AUCTION_FILTERS),
        ],
        responses={200: s.AuctionSerializer(many=True), **errors(400, 404, 429)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AuctionDetailView(ApiViewMixin, APIView):
    """An auction with its status by the clock, the minimum next bid and the bid history (bidders masked)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.AuctionDetailSerializer, **errors(404, 429)})
    def get(self, request: Request, pk: int) -> Response:
        auction = _auction_visible(pk=pk, user=request.user)
        context = {
            "request": request,
            "now": timezone.now(),
            "bids": auction_public_bids(auction, limit=BID_HISTORY_LIMIT),
        }
        return Response(s.AuctionDetailSerializer(auction, context=context).data)


def _bid_result(
    request: Request, *, auction_id: int, bid_id: int, amount: Any, auction: Auction | None = None
) -> Response:
    """The answer to a bid: `auction` as the bid left it when the caller has it, else read afresh."""
    if auction is None:
        auction = Auction.objects.select_related("listing", "leader").get(pk=auction_id)
    data = {
        "bid_id": bid_id,
        "amount": f"{amount:.2f}",
        "leading": auction.leader_id == request.user.pk,
        "auction": s.AuctionSerializer(auction, context={"request": request}).data,
    }
    return Response(data, status=status.HTTP_201_CREATED)


class BidCreateView(ApiViewMixin, APIView):
    """Place a bid through the auction engine: proxy maximum, soft close and all rules apply."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [BidThrottle, UserThrottle]

    @extend_schema(
        request=s.BidRequestSerializer, responses={201: s.BidResultSerializer, **errors(400, 401, 403, 404, 409, 429)}
    )
    def post(self, request: Request, pk: int) -> Response:
        auction = _auction_visible(pk=pk, user=request.user)  # one this client may not see is a 404, as on the site
        data = s.BidRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amount, max_amount = data.validated_data.get("amount"), data.validated_data.get("max_amount")
        if not data.validated_data["confirm"] and auction_bid_typo_suspected(auction, amount, max_amount):
            raise ApiError(
                message=_bid_confirm_message(auction, amount, max_amount), code="confirm_required", status_code=409
            )
        bid = bidding.bid_place(
            auction_id=pk, bidder=_user(request), amount=amount, max_amount=max_amount, seen=auction
        )
        placed = bid.auction  # the auction as this bid left it, locked and written: no second read
        placed.listing = auction.listing
        return _bid_result(request, auction_id=pk, bid_id=bid.pk, amount=bid.amount, auction=placed)


def _bid_confirm_message(auction: Auction, amount: Decimal | None, max_amount: Decimal | None) -> str:
    """The site's "possibly an extra zero?" question, with the amounts in words."""
    said = [
        _("%(label)s %(amount)s сум (%(words)s сум)")
        % {"label": label, "amount": format_amount(value), "words": amount_in_words(int(value))}
        for label, value in ((_("ставка"), amount), (_("максимум"), max_amount))
        if value is not None
    ]
    return _(
        "Сумма намного больше минимальной ставки %(minimum)s сум: %(said)s. Возможно, лишний ноль? "
        'Если сумма верна, отправьте запрос ещё раз с "confirm": true.'
    ) % {"minimum": format_amount(auction_min_next_bid(auction)), "said": "; ".join(said)}


class BuyNowView(ApiViewMixin, APIView):
    """Buy at the buy-now price (only before the first bid); the auction ends at once."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [BidThrottle, UserThrottle]

    @extend_schema(request=None, responses={201: s.BidResultSerializer, **errors(401, 403, 404, 409, 429)})
    def post(self, request: Request, pk: int) -> Response:
        _auction_visible(pk=pk, user=request.user)
        bid = bidding.auction_buy_now(auction_id=pk, buyer=_user(request))
        return _bid_result(request, auction_id=pk, bid_id=bid.pk, amount=bid.amount)


def _pay_urls(request: Request, payments: list[AuctionPayment]) -> dict[int, str]:
    """Click's pay page for each payment still open (the same link as the auction page's button)."""
    now = timezone.now()
    return {
        payment.pk: fee_pay_url(request, payment)
        for payment in payments
        if payment.status == PaymentStatus.PENDING and not payment_is_expired(payment, now=now)
    }


def _payme_pay_urls(request: Request, payments: list[AuctionPayment]) -> dict[int, str]:
    """Payme's checkout link for each payment still open, when Payme is offered."""
    if not payme_enabled():
        return {}
    now = timezone.now()
    return {
        payment.pk: fee_payme_pay_url(request, payment)
        for payment in payments
        if payment.status == PaymentStatus.PENDING and not payment_is_expired(payment, now=now)
    }


def _payments_response(request: Request, payments: list[AuctionPayment], *, many: bool) -> Any:
    context = {
        "request": request,
        "pay_urls": _pay_urls(request, payments),
        "payme_pay_urls": _payme_pay_urls(request, payments),
    }
    return s.PaymentSerializer(payments if many else payments[0], many=many, context=context).data


class AuctionPaymentView(ApiViewMixin, APIView):
    """The auction fee (seller only): POST opens the payment (or returns the open one) with Click's pay URL;
    GET shows the latest payment's status."""

    permission_classes = [IsAuthenticated]

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            return [PaymentThrottle(), UserThrottle()]
        return [UserThrottle()]

    def _auction(self, request: Request, pk: int, *, owner_check: bool = True) -> Auction:
        # Not found for an auction this user may not see: a 403 would tell that an unpaid one exists.
        auction = auction_visible_to(pk=pk, user=request.user, related=())
        if auction is None:
            raise ApiError(message=_not_found(), code="not_found", status_code=404)
        if owner_check and auction.seller_id != request.user.pk:
            raise ApiError(message=str(PermissionDenied.default_detail), code="not_owner", status_code=403)
        return auction

    @extend_schema(request=None, responses={200: s.PaymentSerializer, **errors(401, 403, 404, 409, 429)})
    def post(self, request: Request, pk: int) -> Response:
        self._auction(request, pk, owner_check=False)  # the service refuses anybody but the seller ("not_owner")
        payment = fee_initiate(auction_id=pk, user=_user(request))
        return Response(_payments_response(request, [payment], many=False))

    @extend_schema(responses={200: s.PaymentSerializer, **errors(401, 403, 404, 429)})
    def get(self, request: Request, pk: int) -> Response:
        auction = self._auction(request, pk)
        payments = list(auction.payments.order_by("-created_at", "-id"))
        chosen = next((p for p in payments if p.status == PaymentStatus.COMPLETED), payments[0] if payments else None)
        if chosen is None:
            raise ApiError(message=_not_found(), code="not_found", status_code=404)
        return Response(_payments_response(request, [chosen], many=False))


# --- The user's own data ----------------------------------------------------------


class MeView(ApiViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.MeSerializer, **errors(401, 429)})
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


class MyListingsView(ApiViewMixin, generics.ListAPIView):
    """Your listings in every status (draft, on review, published, rejected)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.ListingSerializer

    def get_queryset(self) -> QuerySet[Listing]:
        return listings_of_seller(seller_id=_user(self.request).pk).order_by("-created_at", "-id")

    @extend_schema(responses={200: s.ListingSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyAuctionsView(ApiViewMixin, generics.ListAPIView):
    """Your auctions as a seller, paid or not."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.AuctionSerializer

    def get_queryset(self) -> QuerySet[Auction]:
        return (
            auctions_of_seller(seller_id=_user(self.request).pk).select_related("leader").order_by("-created_at", "-id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(responses={200: s.AuctionSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyPaymentsView(ApiViewMixin, generics.ListAPIView):
    """The fee payments of your auctions, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.PaymentSerializer

    def get_queryset(self) -> QuerySet[AuctionPayment]:
        return AuctionPayment.objects.filter(auction__seller_id=_user(self.request).pk).order_by("-created_at", "-id")

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], list):
            kwargs["context"] = {
                **self.get_serializer_context(),
                "pay_urls": _pay_urls(self.request, args[0]),
                "payme_pay_urls": _payme_pay_urls(self.request, args[0]),
            }
            return self.serializer_class(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    @extend_schema(responses={200: s.PaymentSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyBidsView(ApiViewMixin, generics.ListAPIView):
    """Your bids, newest first (the proxy's automatic raises included)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.MyBidSerializer

    def get_queryset(self) -> QuerySet[Bid]:
        return bids_of_bidder(bidder_id=_user(self.request).pk)

    @extend_schema(responses={200: s.MyBidSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RegionListView(ApiViewMixin, APIView):
    """Regions and their districts, for the search's `region` and `district` parameters."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.RegionSerializer(many=True), **errors(429)})
    def get(self, request: Request) -> Response:
        data = [
            {
                "code": region.code,
                "name": region.name,
                "districts": [{"id": d.pk, "name": d.name} for d in region.districts.all()],
            }
            for region in regions_with_districts()
        ]
        return Response(s.RegionSerializer(data, many=True).data)


class FavoriteListView(ApiViewMixin, generics.ListAPIView):
    """Your favourite listings (GET); add one (POST)."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.ListingSerializer

    def get_queryset(self) -> QuerySet[Listing]:
        return listings_favorite_of(user_id=_user(self.request).pk)

    @extend_schema(responses={200: s.ListingSerializer(many=True), **errors(401, 404, 429)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.FavoriteRequestSerializer, responses={201: s.ListingSerializer, **errors(400, 401, 404, 429)}
    )
    def post(self, request: Request) -> Response:
        data = s.FavoriteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(request)
        listing = listing_visible_to(pk=data.validated_data["listing_id"], user=user)
        if listing is None or not listing.is_public:
            raise ApiError(message=_not_found(), code="not_found", status_code=404)
        listing_services.favorite_add(user=user, listing_id=listing.pk)
        return Response(s.ListingSerializer(listing, context={"request": request}).data, status=status.HTTP_201_CREATED)


class FavoriteDetailView(ApiViewMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, **errors(401, 404, 429)}, summary="Remove a favourite")
    def delete(self, request: Request, listing_id: int) -> Response:
        user = _user(request)
        if not listing_services.favorite_remove(user=user, listing_id=listing_id):
            raise ApiError(message=_not_found(), code="not_found", status_code=404)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(exclude=True)
class NotFoundView(ApiViewMixin, APIView):
    """Unknown paths under /api/v1/ (and ids that cannot exist): a 404 in the API's format."""

    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise ApiError(message=_not_found(), code="not_found", status_code=404)

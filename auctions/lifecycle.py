"""An auction's life: created unpaid, paid (the fee app records it), scheduled, active, ended or
cancelled. Every write locks the auction row first (auctions.locks); a fee's payment rows are
locked before it through the fee's hooks."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import PHONE_UNCONFIRMED, phone_unconfirmed_message, user_phone_confirmed
from auctions import effects
from auctions.errors import AuctionRuleError
from auctions.locks import auction_lock
from auctions.models import (
    OPEN_AUCTION_STATUSES,
    Auction,
    AuctionEvent,
    AuctionStatus,
    AuctionWatch,
)
from auctions.rules import bid_step_default, bid_step_limits
from auctions.selectors import auction_is_closed, auctions_due_for_sync, auctions_ending_soon
from core.formatting import format_amount
from listings.models import Listing, ListingStatus
from listings.services import listing_sold_by_auction

logger = logging.getLogger(__name__)

# Bids and prices are whole soums below a trillion (the column holds 14 digits).
MAX_PRICE = Decimal("999999999999")


# An auction starts at most a day back (a start of "now" typed to the minute)
# and half a year ahead, and runs at most 60 days.
MAX_START_IN_PAST = timedelta(days=1)


MAX_START_AHEAD = timedelta(days=183)


MAX_DURATION = timedelta(days=60)


class AuctionFeeHooks(Protocol):
    """What the fee app (above this one) does inside an auction's cancellation.

    `lock` runs first, before the auction row is locked, so every transaction
    takes payment rows before the auction (one lock order, no deadlock with a
    gateway's Complete); `cancelled` runs in the same transaction once the
    auction is cancelled. auctions never imports the fee: it registers itself.
    """

    def lock(self, *, auction_id: int) -> None: ...

    def cancelled(self, auction: Auction, *, now: datetime) -> None: ...


_fee_hooks: list[AuctionFeeHooks] = []


def auction_fee_hooks_register(hooks: AuctionFeeHooks) -> None:
    if hooks not in _fee_hooks:
        _fee_hooks.append(hooks)


def _fee_lock(auction_id: int) -> None:
    for hooks in _fee_hooks:
        hooks.lock(auction_id=auction_id)


def auction_record(auction: Auction, kind: str, *, actor: User | None = None, **data: object) -> None:
    AuctionEvent.objects.create(auction=auction, kind=kind, actor=actor, data=data)


def price_parse(value: Decimal | str | int, *, field: str) -> Decimal:
    try:
        price = Decimal(str(value).replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation as exc:
        raise AuctionRuleError(_("%(field)s: введите сумму в сумах.") % {"field": field}, "invalid_amount") from exc
    if not price.is_finite() or price <= 0 or price != price.to_integral_value():
        raise AuctionRuleError(_("%(field)s: введите целую сумму больше нуля.") % {"field": field}, "invalid_amount")
    if price > MAX_PRICE:
        raise AuctionRuleError(_("%(field)s: слишком большая сумма.") % {"field": field}, "invalid_amount")
    return Decimal(int(price))  # "1e9" and "1000000000.00" are stored alike


def auction_create(
    *,
    seller: User,
    listing: Listing,
    starts_at: datetime,
    ends_at: datetime,
    starting_price: Decimal,
    bid_step: Decimal | None = None,
    reserve_price: Decimal | None = None,
    buy_now_price: Decimal | None = None,
    hard_ends_at: datetime | None = None,
) -> Auction:
    """A new unpaid auction. The bid step is fixed here (default: about 0.5 % of the
    starting price, a round amount); reserve, buy-now price and hard end are optional."""
    now = timezone.now()
    if listing.seller_id != seller.pk:
        raise AuctionRuleError(_("Аукцион можно создать только для своего объявления."), "not_owner")
    if not user_phone_confirmed(seller):
        raise AuctionRuleError(phone_unconfirmed_message(), PHONE_UNCONFIRMED)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise AuctionRuleError(_("Укажите время с часовым поясом."), "naive_time")
    if ends_at <= starts_at:
        raise AuctionRuleError(_("Окончание должно быть позже начала."), "ends_before_start")
    if ends_at <= now:
        raise AuctionRuleError(_("Окончание аукциона уже прошло."), "ends_in_past")
    if starts_at < now - MAX_START_IN_PAST:
        raise AuctionRuleError(_("Начало не может быть раньше, чем сутки назад."), "starts_too_early")
    if starts_at > now + MAX_START_AHEAD:
        raise AuctionRuleError(_("Начало — не позже чем через полгода."), "starts_too_late")
    if ends_at - starts_at > MAX_DURATION:
        raise AuctionRuleError(_("Аукцион может длиться не больше 60 дней."), "too_long")
    starting_price = price_parse(starting_price, field=_("Стартовая цена"))
    if bid_step is None or bid_step == "":
        bid_step = bid_step_default(starting_price)
    bid_step = price_parse(bid_step, field=_("Шаг ставки"))
    low, high = bid_step_limits(starting_price)
    if not low <= bid_step <= high:
        raise AuctionRuleError(
            _("Шаг ставки — от %(low)s до %(high)s сум.") % {"low": format_amount(low), "high": format_amount(high)},
            "bad_step",
        )
    if reserve_price is not None and reserve_price != "":
        reserve_price = price_parse(reserve_price, field=_("Резервная цена"))
        if reserve_price <= starting_price:
            raise AuctionRuleError(_("Резервная цена должна быть выше стартовой."), "bad_reserve")
    else:
        reserve_price = None
    if buy_now_price is not None and buy_now_price != "":
        buy_now_price = price_parse(buy_now_price, field=_("Цена «купить сейчас»"))
        if buy_now_price <= starting_price or (reserve_price is not None and buy_now_price < reserve_price):
            raise AuctionRuleError(
                _("Цена «купить сейчас» должна быть выше стартовой и не ниже резервной."), "bad_buy_now"
            )
    else:
        buy_now_price = None
    if hard_ends_at is not None:
        if timezone.is_naive(hard_ends_at):
            raise AuctionRuleError(_("Укажите время с часовым поясом."), "naive_time")
        if hard_ends_at < ends_at or hard_ends_at - starts_at > MAX_DURATION:
            raise AuctionRuleError(
                _("Крайний срок — не раньше окончания и не дальше 60 дней от начала."), "bad_hard_end"
            )
    # An auction the clock has already closed must not block a new one. Recorded first, each in its own
    # transaction: closing locks payments, the auction, then (sold) the listing, so it may not run while
    # this holds the listing row.
    for lagging_id in auctions_due_for_sync(now=now).filter(listing=listing).values_list("pk", flat=True):
        auction_sync(auction_id=lagging_id, now=now)
    with transaction.atomic():
        # Serialise auction creation per listing behind the listing row, and read its status under that lock.
        locked_listing = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked_listing.status == ListingStatus.SOLD:
            raise AuctionRuleError(_("Квартира продана: снова выставьте объявление, чтобы открыть аукцион."), "sold")
        if locked_listing.status != ListingStatus.PUBLISHED:
            # Buyers cannot open a listing that is not published, so nobody could bid.
            raise AuctionRuleError(_("Аукцион можно открыть, когда объявление опубликовано."), "listing_not_published")
        if listing.auctions.filter(status__in=OPEN_AUCTION_STATUSES).exists():
            raise AuctionRuleError(_("У этого объявления уже есть открытый аукцион."), "already_open")
        auction = Auction.objects.create(
            listing=listing,
            listing_created_at=locked_listing.created_at,
            seller=seller,
            starts_at=starts_at,
            ends_at=ends_at,
            original_ends_at=ends_at,
            hard_ends_at=hard_ends_at,
            starting_price=starting_price,
            bid_step=bid_step,
            reserve_price=reserve_price,
            buy_now_price=buy_now_price,
        )
        auction_record(auction, AuctionEvent.Kind.CREATED, actor=seller)
    return auction


def auction_cancel(*, auction_id: int, user: User, reason: str = "") -> Auction:
    """The seller cancels an auction that has no bids yet; an admin may cancel any
    open auction, bids or not, giving a reason."""
    reason = reason.strip()[:255]
    with transaction.atomic():
        _fee_lock(auction_id)
        auction = auction_lock(auction_id=auction_id)
        by_admin = auction.seller_id != user.pk and user.is_staff and user.has_perm("auctions.change_auction")
        if auction.seller_id != user.pk and not by_admin:
            raise AuctionRuleError(_("Отменить аукцион может только продавец."), "not_owner")
        if by_admin and not reason:
            raise AuctionRuleError(_("Укажите причину отмены."), "reason_required")
        if auction_is_closed(auction, now=timezone.now()):
            raise AuctionRuleError(_("Аукцион уже завершён."), "closed")
        if auction.bid_count and not by_admin:
            raise AuctionRuleError(_("После первой ставки аукцион отменить нельзя."), "has_bids")
        # The fee app cancels the open fee, and sends back a fee paid for an auction that never started.
        _auction_mark_cancelled(auction, actor=user, reason=reason or "cancelled_by_user")
        auction_id, actor_id = auction.pk, user.pk
        transaction.on_commit(lambda: effects.auction_cancelled_effects(auction_id=auction_id, actor_id=actor_id))
    return auction


def _auction_mark_cancelled(auction: Auction, *, actor: User | None, reason: str) -> None:
    """Cancel a locked auction (the caller ran _fee_lock first); the fee app settles its fee."""
    auction.status = AuctionStatus.CANCELLED
    auction.cancelled_at = timezone.now()
    auction.save(update_fields=["status", "cancelled_at", "updated_at"])
    for hooks in _fee_hooks:
        hooks.cancelled(auction, now=auction.cancelled_at)
    auction_record(auction, AuctionEvent.Kind.CANCELLED, actor=actor, reason=reason)


def auction_fee_paid(*, auction: Auction, now: datetime, order: str) -> bool:
    """Record that the fee for an auction locked with auction_lock() was paid.

    False when the auction can no longer run (cancelled, or its end passed):
    the caller keeps the money as paid and refunds it.
    """
    if auction.status != AuctionStatus.PENDING_PAYMENT or auction.is_paid or auction.ends_at <= now:
        auction_record(auction, AuctionEvent.Kind.PAID_TOO_LATE, merchant_trans_id=order)
        return False
    auction.is_paid = True
    auction.paid_at = now
    auction.status = AuctionStatus.ACTIVE if auction.starts_at <= now else AuctionStatus.SCHEDULED
    auction.save(update_fields=["is_paid", "paid_at", "status", "updated_at"])
    auction_record(auction, AuctionEvent.Kind.PAID, merchant_trans_id=order, status=auction.status)
    auction_id, ends_at = auction.pk, auction.ends_at
    transaction.on_commit(lambda: _auction_paid_effects(auction_id, ends_at))
    return True


def auction_fee_refunded(*, auction: Auction, now: datetime, order: str) -> bool:
    """The fee of an auction locked with auction_lock() went back to the payer (the gateway
    refunded it): allowed only while the auction has not started and has no bids. Then it is
    `pending_payment` again and needs a new payment. False (nothing changed) otherwise."""
    if (
        not auction.is_paid
        or auction.status != AuctionStatus.SCHEDULED
        or now >= auction.starts_at
        or auction.bids.exists()
    ):
        return False
    auction.is_paid = False
    auction.paid_at = None
    auction.status = AuctionStatus.PENDING_PAYMENT
    auction.save(update_fields=["is_paid", "paid_at", "status", "updated_at"])
    auction_record(auction, AuctionEvent.Kind.FEE_REFUNDED, merchant_trans_id=order)
    broadcast_after_commit(auction.pk)
    return True


def soft_close_window() -> timedelta:
    return timedelta(minutes=settings.AUCTION_SOFT_CLOSE_MINUTES)


def broadcast_after_commit(auction_id: int) -> None:
    transaction.on_commit(lambda: effects.auction_broadcast(auction_id=auction_id))


def _auction_paid_effects(auction_id: int, ends_at: datetime) -> None:
    effects.auction_paid_effects_enqueue(auction_id=auction_id, ends_at=ends_at)


def auction_start_if_scheduled(auction: Auction, fields: list[str]) -> bool:
    if auction.status != AuctionStatus.SCHEDULED:
        return False
    auction.status = AuctionStatus.ACTIVE
    fields.append("status")
    auction_record(auction, AuctionEvent.Kind.STARTED)
    return True


def auction_mark_ended(auction: Auction, *, now: datetime) -> None:
    """Record the end of a locked auction: sold to the leader, unless below the reserve."""
    sold = auction.leader_id is not None and (
        auction.reserve_price is None
        or (auction.current_price is not None and auction.current_price >= auction.reserve_price)
    )
    auction.status = AuctionStatus.ENDED
    auction.winner_id = auction.leader_id if sold else None
    auction.ended_at = now
    if sold:
        # The flat is sold: it leaves search and shows as sold, at this price (auction row locked first).
        listing_sold_by_auction(listing_id=auction.listing_id, price=auction.current_price, now=now)
    auction_record(
        auction,
        AuctionEvent.Kind.ENDED,
        winner_id=auction.winner_id,
        final_price=str(auction.current_price) if auction.current_price is not None else None,
        outcome="sold" if sold else "unsold",
        reserve_met=sold or auction.reserve_price is None,
    )


def auction_sync(*, auction_id: int, now: datetime | None = None) -> Auction:
    """Record what the clock has decided (start, end and winner, or an unpaid auction
    that can no longer run); idempotent. Closing ends the auction sold to the leader,
    or unsold (no bids, or a price below the hidden reserve)."""
    with transaction.atomic():
        _fee_lock(auction_id)
        auction = auction_lock(auction_id=auction_id)
        now = now or timezone.now()
        if auction.status == AuctionStatus.PENDING_PAYMENT and now >= auction.ends_at:
            _auction_mark_cancelled(auction, actor=None, reason="unpaid_before_end")
            return auction
        fields: list[str] = []
        started = False
        if auction.status == AuctionStatus.SCHEDULED and now >= auction.starts_at:
            started = auction_start_if_scheduled(auction, fields)
        ended = False
        if auction.status == AuctionStatus.ACTIVE and now >= auction.ends_at:
            auction_mark_ended(auction, now=now)
            fields += ["status", "winner", "ended_at"]
            ended = True
        if fields:
            auction.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
            transaction.on_commit(
                lambda: effects.auction_sync_effects(auction_id=auction_id, started=started, ended=ended)
            )
    return auction


# The close at the exact end is the same idempotent operation.
auction_close = auction_sync


def auctions_sync_due(*, now: datetime | None = None) -> int:
    """The periodic job: sync every auction whose status lags the clock."""
    count = 0
    for auction_id in auctions_due_for_sync(now=now).values_list("pk", flat=True):
        try:
            auction_sync(auction_id=auction_id, now=now)
        except Exception:
            # One broken auction must not stop the others from being recorded.
            logger.exception("auction_sync failed for auction %s", auction_id)
            continue
        count += 1
    return count


def auctions_ending_soon_mark(*, now: datetime | None = None) -> list[int]:
    """Mark (once) the running auctions that end within AUCTION_ENDING_SOON_MINUTES; returns their ids."""
    now = now or timezone.now()
    marked: list[int] = []
    for auction_id in auctions_ending_soon(now=now).values_list("pk", flat=True):
        with transaction.atomic():
            auction = auction_lock(auction_id=auction_id)
            if auction.ending_soon_sent_at is not None or auction.status != AuctionStatus.ACTIVE:
                continue
            auction.ending_soon_sent_at = now
            auction.save(update_fields=["ending_soon_sent_at", "updated_at"])
            transaction.on_commit(partial(effects.notify_ending_soon, auction_id=auction_id))
        marked.append(auction_id)
    return marked


def auction_watch_toggle(*, auction_id: int, user: User) -> bool:
    """Follow or unfollow an auction; returns whether the user now follows it."""
    with transaction.atomic():
        deleted, _rows = AuctionWatch.objects.filter(auction_id=auction_id, user=user).delete()
        if deleted:
            return False
        AuctionWatch.objects.get_or_create(auction_id=auction_id, user=user)
        return True

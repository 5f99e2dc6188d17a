"""Business rules for auctions. Every write to an auction goes
through a function here, inside a transaction that first locks the auction
row (payment rows, when needed, are locked before the auction)."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from auctions import effects
from auctions.models import (
    OPEN_AUCTION_STATUSES,
    Auction,
    AuctionEvent,
    AuctionStatus,
    AuctionWatch,
    Bid,
    BidKind,
)
from auctions.rules import PriceState, bid_resolve, bid_step_default, bid_step_limits, soft_close_end
from auctions.selectors import auction_is_closed, auction_min_next_bid, auctions_due_for_sync, auctions_ending_soon
from core.formatting import format_amount
from listings.models import Listing, ListingStatus

logger = logging.getLogger(__name__)

# Bids and prices are whole soums below a trillion (the column holds 14 digits).
MAX_PRICE = Decimal("999999999999")
# An auction starts at most a day back (a start of "now" typed to the minute)
# and half a year ahead, and runs at most 60 days.
MAX_START_IN_PAST = timedelta(days=1)
MAX_START_AHEAD = timedelta(days=183)
MAX_DURATION = timedelta(days=60)


class AuctionRuleError(Exception):
    """A request the rules refuse; `message` is shown to the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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


def auction_lock(*, auction_id: int) -> Auction:
    """Lock and return the auction row; call inside transaction.atomic()."""
    return Auction.objects.select_for_update().get(pk=auction_id)


def auction_record(auction: Auction, kind: str, *, actor: User | None = None, **data: object) -> None:
    AuctionEvent.objects.create(auction=auction, kind=kind, actor=actor, data=data)


def _parse_price(value: Decimal | str | int, *, field: str) -> Decimal:
    try:
        price = Decimal(str(value).replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation as exc:
        raise AuctionRuleError(_("%(field)s: введите сумму в сумах.") % {"field": field}, "invalid_amount") from exc
    if not price.is_finite() or price <= 0 or price != price.to_integral_value():
        raise AuctionRuleError(_("%(field)s: введите целую сумму больше нуля.") % {"field": field}, "invalid_amount")
    if price > MAX_PRICE:
        raise AuctionRuleError(_("%(field)s: слишком большая сумма.") % {"field": field}, "invalid_amount")
    return Decimal(int(price))  # "1e9" and "1000000000.00" are stored alike


# --- Creating and cancelling -------------------------------------------------


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
    starting_price = _parse_price(starting_price, field=_("Стартовая цена"))
    if bid_step is None or bid_step == "":
        bid_step = bid_step_default(starting_price)
    bid_step = _parse_price(bid_step, field=_("Шаг ставки"))
    low, high = bid_step_limits(starting_price)
    if not low <= bid_step <= high:
        raise AuctionRuleError(
            _("Шаг ставки — от %(low)s до %(high)s сум.") % {"low": format_amount(low), "high": format_amount(high)},
            "bad_step",
        )
    if reserve_price is not None and reserve_price != "":
        reserve_price = _parse_price(reserve_price, field=_("Резервная цена"))
        if reserve_price <= starting_price:
            raise AuctionRuleError(_("Резервная цена должна быть выше стартовой."), "bad_reserve")
    else:
        reserve_price = None
    if buy_now_price is not None and buy_now_price != "":
        buy_now_price = _parse_price(buy_now_price, field=_("Цена «купить сейчас»"))
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
    with transaction.atomic():
        # Serialise auction creation per listing behind the listing row, and read its status under that lock.
        locked_listing = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked_listing.status != ListingStatus.PUBLISHED:
            # Buyers cannot open a listing that is not published, so nobody could bid.
            raise AuctionRuleError(_("Аукцион можно открыть, когда объявление опубликовано."), "listing_not_published")
        # An auction the clock has already closed must not block a new one.
        for lagging_id in auctions_due_for_sync(now=now).filter(listing=listing).values_list("pk", flat=True):
            auction_sync(auction_id=lagging_id, now=now)
        if listing.auctions.filter(status__in=OPEN_AUCTION_STATUSES).exists():
            raise AuctionRuleError(_("У этого объявления уже есть открытый аукцион."), "already_open")
        auction = Auction.objects.create(
            listing=listing,
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


# --- The fee (recorded here; the fee itself lives in the fees app) ------------


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


# --- Bidding and the clock -----------------------------------------------------


def _soft_close_window() -> timedelta:
    return timedelta(minutes=settings.AUCTION_SOFT_CLOSE_MINUTES)


def _state(auction: Auction) -> PriceState:
    return PriceState(price=auction.current_price, leader=auction.leader_id, leader_max=auction.leader_max)


def _after_commit_broadcast(auction_id: int) -> None:
    transaction.on_commit(lambda: effects.auction_broadcast(auction_id=auction_id))


def _auction_paid_effects(auction_id: int, ends_at: datetime) -> None:
    effects.auction_paid_effects_enqueue(auction_id=auction_id, ends_at=ends_at)


def _bid_open_check(auction: Auction, bidder: User, now: datetime) -> None:
    if auction.seller_id == bidder.pk:
        raise AuctionRuleError(_("Продавец не может делать ставки на свой аукцион."), "own_auction")
    if not auction.is_paid or auction.status in (AuctionStatus.PENDING_PAYMENT, AuctionStatus.CANCELLED):
        raise AuctionRuleError(_("Аукцион не открыт для ставок."), "not_open")
    if now < auction.starts_at:
        raise AuctionRuleError(_("Аукцион ещё не начался."), "not_started")
    if auction.status == AuctionStatus.ENDED or now >= auction.ends_at:
        raise AuctionRuleError(_("Аукцион уже завершён."), "ended")


def _auction_start_if_scheduled(auction: Auction, fields: list[str]) -> bool:
    if auction.status != AuctionStatus.SCHEDULED:
        return False
    auction.status = AuctionStatus.ACTIVE
    fields.append("status")
    auction_record(auction, AuctionEvent.Kind.STARTED)
    return True


def _bid_too_low(minimum: Decimal) -> AuctionRuleError:
    return AuctionRuleError(
        _("Ставка должна быть не меньше %(minimum)s сум.") % {"minimum": format_amount(minimum)}, "too_low"
    )


def _bid_below_minimum_refuse(*, auction_id: int, bidder: User, amount: Decimal, now: datetime) -> None:
    """Refuse, WITHOUT the row lock, a bid that is already below the minimum.

    On a hot auction most bids lose the race: each refusal used to queue for the
    auction row lock only to read that it was too low, and the winners waited
    behind them. Bidding only raises the price, so a bid below the minimum read
    now is below it under the lock too. (An admin removing a bid can lower the
    price; the refused bidder then sees the fresh minimum in the answer.) Anything
    else (not open, ended, own auction) is left to the locked check, in its order.
    """
    snapshot = Auction.objects.filter(pk=auction_id).first()
    if snapshot is None:
        return
    try:
        _bid_open_check(snapshot, bidder, now)
    except AuctionRuleError:
        return
    minimum = auction_min_next_bid(snapshot)
    if amount < minimum:
        raise _bid_too_low(minimum)


def bid_place(
    *,
    auction_id: int,
    bidder: User,
    amount: Decimal | str | int | None,
    max_amount: Decimal | str | int | None = None,
    now: datetime | None = None,
) -> Bid:
    """Accept a bid if the rules allow it, under the auction row lock.

    `amount` is the public bid (at least the minimum); `max_amount`, if given, is the
    bidder's hidden maximum for proxy raises. The leader may send only `max_amount`
    to raise their maximum without raising the price. Returns the bidder's own bid
    row (for a maximum-only raise, the leading row). `now` is for tests: the server
    clock decides.
    """
    parsed = None if amount is None or amount == "" else _parse_price(amount, field=_("Ставка"))
    ceiling = None if max_amount is None or max_amount == "" else _parse_price(max_amount, field=_("Максимум"))
    if parsed is None and ceiling is None:
        raise AuctionRuleError(_("Ставка: введите сумму в сумах."), "invalid_amount")
    if parsed is not None and ceiling is not None and ceiling < parsed:
        raise AuctionRuleError(_("Максимум не может быть меньше ставки."), "max_below_amount")
    if parsed is not None:
        _bid_below_minimum_refuse(auction_id=auction_id, bidder=bidder, amount=parsed, now=now or timezone.now())
    try:
        with transaction.atomic():
            try:
                auction = auction_lock(auction_id=auction_id)
            except Auction.DoesNotExist as exc:
                raise AuctionRuleError(_("Аукцион не найден."), "not_found") from exc
            now = now or timezone.now()
            _bid_open_check(auction, bidder, now)
            before = _state(auction)
            is_leader = before.leader == bidder.pk
            if parsed is None:
                if not is_leader:
                    raise AuctionRuleError(
                        _("Укажите ставку: максимум без ставки может задать только лидер."), "no_amount"
                    )
                if ceiling is None or before.leader_max is None or ceiling <= before.leader_max:
                    raise AuctionRuleError(
                        _("Новый максимум должен быть больше прежнего (%(max)s сум).")
                        % {"max": format_amount(before.leader_max or 0)},
                        "max_too_low",
                    )
            else:
                minimum = auction_min_next_bid(auction)
                if parsed < minimum:
                    raise _bid_too_low(minimum)
            result = bid_resolve(
                before,
                bidder=bidder.pk,
                amount=parsed,
                max_amount=ceiling,
                step=auction.bid_step,
                reserve=auction.reserve_price,
            )
            fields = ["current_price", "leader", "leader_max", "bid_count", "updated_at"]
            started = _auction_start_if_scheduled(auction, fields)
            own: Bid | None = None
            for row in result.rows:
                bid = Bid.objects.create(
                    auction=auction,
                    bidder_id=row.bidder,
                    amount=row.amount,
                    kind=row.kind,
                    offer_amount=parsed if row.kind == BidKind.MANUAL else None,
                    max_amount=ceiling if row.kind == BidKind.MANUAL else None,
                    created_at=now,
                )
                if row.kind == BidKind.MANUAL:
                    own = bid
                auction_record(
                    auction,
                    AuctionEvent.Kind.BID_PLACED,
                    actor=bidder if row.bidder == bidder.pk else None,
                    amount=str(row.amount),
                    bid_id=bid.pk,
                    bidder_id=row.bidder,
                    bid_kind=row.kind,
                    at=now.isoformat(),
                )
            if parsed is None:
                auction_record(
                    auction,
                    AuctionEvent.Kind.MAX_RAISED,
                    actor=bidder,
                    bidder_id=bidder.pk,
                    max=str(ceiling),
                    at=now.isoformat(),
                )
            auction.current_price = result.state.price
            auction.leader_id = result.state.leader
            auction.leader_max = result.state.leader_max
            auction.bid_count += len(result.rows)
            extended = False
            if result.changed(before):
                new_end = soft_close_end(
                    ends_at=auction.ends_at, now=now, window=_soft_close_window(), hard_ends_at=auction.hard_ends_at
                )
                if new_end is not None:
                    auction_record(
                        auction,
                        AuctionEvent.Kind.EXTENDED,
                        actor=bidder,
                        old=auction.ends_at.isoformat(),
                        new=new_end.isoformat(),
                    )
                    auction.ends_at = new_end
                    auction.extension_count += 1
                    fields += ["ends_at", "extension_count"]
                    extended = True
            auction.save(update_fields=fields)
            if own is None:
                own = Bid.objects.filter(auction=auction, removed_at__isnull=True).order_by("-amount", "-id").first()
            if own is None:  # pragma: no cover - a leader always has a live row
                raise AuctionRuleError(_("Аукцион не найден."), "not_found")
            outbid = before.leader if before.leader not in (None, result.state.leader) else None
            transaction.on_commit(
                lambda: effects.bid_effects(
                    auction_id=auction_id, outbid_user_id=outbid, extended=extended, started=started
                )
            )
    except IntegrityError as exc:  # pragma: no cover - the lock makes this unreachable; the constraint is the backstop
        raise AuctionRuleError(_("Ставку с такой суммой уже сделали."), "duplicate") from exc
    return own


def auction_buy_now(*, auction_id: int, buyer: User) -> Bid:
    """Buy at the buy-now price: only before the first bid; ends the auction at once, sold."""
    with transaction.atomic():
        try:
            auction = auction_lock(auction_id=auction_id)
        except Auction.DoesNotExist as exc:
            raise AuctionRuleError(_("Аукцион не найден."), "not_found") from exc
        now = timezone.now()
        _bid_open_check(auction, buyer, now)
        if auction.buy_now_price is None:
            raise AuctionRuleError(_("У этого аукциона нет цены «купить сейчас»."), "no_buy_now")
        if auction.bid_count:
            raise AuctionRuleError(_("«Купить сейчас» доступно только до первой ставки."), "has_bids")
        fields = ["current_price", "leader", "leader_max", "bid_count", "status", "winner", "ended_at", "ends_at"]
        _auction_start_if_scheduled(auction, fields)
        bid = Bid.objects.create(
            auction=auction,
            bidder=buyer,
            amount=auction.buy_now_price,
            kind=BidKind.BUY_NOW,
            offer_amount=auction.buy_now_price,
        )
        auction_record(auction, AuctionEvent.Kind.BOUGHT_NOW, actor=buyer, amount=str(bid.amount), bid_id=bid.pk)
        auction.current_price = auction.leader_max = bid.amount
        auction.leader = buyer
        auction.bid_count = 1
        auction.ends_at = now
        _auction_mark_ended(auction, now=now)
        auction.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        transaction.on_commit(lambda: effects.auction_ended_effects(auction_id=auction_id))
    return bid


def _auction_mark_ended(auction: Auction, *, now: datetime) -> None:
    """Record the end of a locked auction: sold to the leader, unless below the reserve."""
    sold = auction.leader_id is not None and (
        auction.reserve_price is None
        or (auction.current_price is not None and auction.current_price >= auction.reserve_price)
    )
    auction.status = AuctionStatus.ENDED
    auction.winner_id = auction.leader_id if sold else None
    auction.ended_at = now
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
            started = _auction_start_if_scheduled(auction, fields)
        ended = False
        if auction.status == AuctionStatus.ACTIVE and now >= auction.ends_at:
            _auction_mark_ended(auction, now=now)
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


# --- Admin corrections ------------------------------------------------------------


def bid_remove(*, bid_id: int, admin: User, reason: str) -> Auction:
    """An admin removes a bid with a reason; price, leader, maximum and end are recomputed
    by replaying the remaining submissions through the same rules."""
    reason = reason.strip()[:255]
    if not (admin.is_staff and admin.has_perm("auctions.change_bid")):
        raise AuctionRuleError(_("Удалить ставку может только администратор."), "not_admin")
    if not reason:
        raise AuctionRuleError(_("Укажите причину удаления ставки."), "reason_required")
    auction_id = Bid.objects.filter(pk=bid_id).values_list("auction_id", flat=True).first()
    if auction_id is None:
        raise AuctionRuleError(_("Ставка не найдена."), "not_found")
    with transaction.atomic():
        auction = auction_lock(auction_id=auction_id)
        bid = Bid.objects.select_for_update().get(pk=bid_id)
        if auction.status != AuctionStatus.ACTIVE or timezone.now() >= auction.ends_at:
            raise AuctionRuleError(_("Ставки можно удалять только у идущего аукциона."), "not_active")
        if bid.removed_at is not None:
            raise AuctionRuleError(_("Эта ставка уже удалена."), "already_removed")
        if bid.kind != BidKind.MANUAL:
            raise AuctionRuleError(_("Удалить можно только ставку участника, а не автоставку."), "not_manual")
        now = timezone.now()
        bid.removed_at = now
        bid.removed_reason = reason
        bid.save(update_fields=["removed_at", "removed_reason"])
        auction_record(
            auction, AuctionEvent.Kind.BID_REMOVED, actor=admin, bid_id=bid.pk, amount=str(bid.amount), reason=reason
        )
        _auction_replay(auction, now=now)
        _after_commit_broadcast(auction.pk)
        transaction.on_commit(lambda: effects.auction_close_schedule(auction_id=auction_id))
    return auction


def _auction_replay(auction: Auction, *, now: datetime) -> None:
    """Recompute a locked auction from its remaining manual bids and maximum raises."""
    manual = {
        b.pk: b
        for b in Bid.objects.select_for_update().filter(auction=auction, kind=BidKind.MANUAL, removed_at__isnull=True)
    }
    # The event log gives the order of submissions (bids and maximum raises) and their server time.
    ops: list[tuple[datetime, int, Decimal | None, Decimal | None, Bid | None]] = []
    events = AuctionEvent.objects.filter(
        auction=auction, kind__in=[AuctionEvent.Kind.BID_PLACED, AuctionEvent.Kind.MAX_RAISED]
    ).order_by("id")
    for event in events:
        at = datetime.fromisoformat(event.data["at"]) if "at" in event.data else event.created_at
        if event.kind == AuctionEvent.Kind.MAX_RAISED:
            ops.append((at, int(event.data["bidder_id"]), None, Decimal(event.data["max"]), None))
            continue
        row = manual.get(event.data.get("bid_id"))
        if row is not None:
            ops.append((at, row.bidder_id, row.offer_amount or row.amount, row.max_amount, row))
    # Old proxy raises are superseded; the replay writes the current ones.
    Bid.objects.filter(auction=auction, kind=BidKind.AUTO, removed_at__isnull=True).update(
        removed_at=now, removed_reason="пересчёт после удаления ставки"
    )
    state = PriceState()
    ends_at = auction.original_ends_at or auction.ends_at
    count = 0
    for at, bidder_id, offer, ceiling, row in ops:
        if offer is None and state.leader != bidder_id:
            continue  # a raise by someone who no longer leads at that moment
        if offer is None and (state.leader_max is None or ceiling is None or ceiling <= state.leader_max):
            continue
        before = state
        result = bid_resolve(
            state,
            bidder=bidder_id,
            amount=offer,
            max_amount=ceiling,
            step=auction.bid_step,
            reserve=auction.reserve_price,
        )
        state = result.state
        for new_row in result.rows:
            count += 1
            if new_row.kind == BidKind.MANUAL and row is not None:
                if row.amount != new_row.amount:
                    row.amount = new_row.amount
                    row.save(update_fields=["amount"])
            else:
                Bid.objects.create(
                    auction=auction, bidder_id=new_row.bidder, amount=new_row.amount, kind=BidKind.AUTO, created_at=at
                )
        if result.changed(before):
            new_end = soft_close_end(
                ends_at=ends_at, now=at, window=_soft_close_window(), hard_ends_at=auction.hard_ends_at
            )
            if new_end is not None:
                ends_at = new_end
    auction.current_price = state.price
    auction.leader_id = state.leader
    auction.leader_max = state.leader_max
    auction.bid_count = count
    if ends_at <= now:
        # The recomputed end has passed: the remaining bidders get one soft-close window.
        window_end = now + _soft_close_window()
        ends_at = min(window_end, auction.hard_ends_at) if auction.hard_ends_at else window_end
    auction.ends_at = max(ends_at, now)
    auction.save(update_fields=["current_price", "leader", "leader_max", "bid_count", "ends_at", "updated_at"])

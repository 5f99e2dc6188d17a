"""Bidding: manual and proxy bids, buy-now, and an operator's removal of a bid. Every write
locks the auction row first (auctions.locks) and re-checks the clock under the lock."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.rules import PHONE_UNCONFIRMED, phone_unconfirmed_message, user_phone_confirmed
from auctions import effects
from auctions.errors import AuctionRuleError
from auctions.lifecycle import (
    auction_mark_ended,
    auction_record,
    auction_start_if_scheduled,
    broadcast_after_commit,
    price_parse,
    soft_close_window,
)
from auctions.locks import auction_lock
from auctions.models import (
    Auction,
    AuctionEvent,
    AuctionStatus,
    Bid,
    BidKind,
)
from auctions.rules import PriceState, bid_resolve, soft_close_end
from auctions.selectors import auction_min_next_bid
from core.formatting import format_amount

logger = logging.getLogger(__name__)


# The smallest step of time the database stores.
MOMENT = timedelta(microseconds=1)


def _state(auction: Auction) -> PriceState:
    return PriceState(price=auction.current_price, leader=auction.leader_id, leader_max=auction.leader_max)


def _bid_open_check(auction: Auction, bidder: User, now: datetime) -> None:
    if not user_phone_confirmed(bidder):
        raise AuctionRuleError(phone_unconfirmed_message(), PHONE_UNCONFIRMED)
    if auction.seller_id == bidder.pk:
        raise AuctionRuleError(_("Продавец не может делать ставки на свой аукцион."), "own_auction")
    if not auction.is_paid or auction.status in (AuctionStatus.PENDING_PAYMENT, AuctionStatus.CANCELLED):
        raise AuctionRuleError(_("Аукцион не открыт для ставок."), "not_open")
    if now < auction.starts_at:
        raise AuctionRuleError(_("Аукцион ещё не начался."), "not_started")
    if auction.status == AuctionStatus.ENDED or now >= auction.ends_at:
        raise AuctionRuleError(_("Аукцион уже завершён."), "ended")


def _bid_too_low(minimum: Decimal) -> AuctionRuleError:
    return AuctionRuleError(
        _("Ставка должна быть не меньше %(minimum)s сум.") % {"minimum": format_amount(minimum)}, "too_low"
    )


def _bid_below_minimum_refuse(
    *, auction_id: int, bidder: User, amount: Decimal, now: datetime, seen: Auction | None = None
) -> None:
    """Refuse, WITHOUT the row lock, a bid that is already below the minimum.

    On a hot auction most bids lose the race: each refusal used to queue for the
    auction row lock only to read that it was too low, and the winners waited
    behind them. Bidding only raises the price, so a bid below the minimum read
    now is below it under the lock too. (An admin removing a bid can lower the
    price; the refused bidder then sees the fresh minimum in the answer.) Anything
    else (not open, ended, own auction) is left to the locked check, in its order.
    """
    snapshot = seen if seen is not None and seen.pk == auction_id else Auction.objects.filter(pk=auction_id).first()
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
    seen: Auction | None = None,
) -> Bid:
    """Accept a bid if the rules allow it, under the auction row lock.

    `amount` is the public bid (at least the minimum); `max_amount`, if given, is the
    bidder's hidden maximum for proxy raises. The leader may send only `max_amount`
    to raise their maximum without raising the price. Returns the bidder's own bid
    row (for a maximum-only raise, the leading row); its `auction` is the auction as
    this bid left it, and after the commit its `live_state` is the state pushed to
    the open pages (built once, for them and for the bidder's answer). `now` is for
    tests: the server clock decides. `seen` is the caller's own unlocked read of the
    auction a moment ago (the views' visibility check): the early refusal of a bid
    already too low uses it instead of reading the row again.
    """
    parsed = None if amount is None or amount == "" else price_parse(amount, field=_("Ставка"))
    ceiling = None if max_amount is None or max_amount == "" else price_parse(max_amount, field=_("Максимум"))
    if parsed is None and ceiling is None:
        raise AuctionRuleError(_("Ставка: введите сумму в сумах."), "invalid_amount")
    if parsed is not None and ceiling is not None and ceiling < parsed:
        raise AuctionRuleError(_("Максимум не может быть меньше ставки."), "max_below_amount")
    if parsed is not None:
        _bid_below_minimum_refuse(
            auction_id=auction_id, bidder=bidder, amount=parsed, now=now or timezone.now(), seen=seen
        )
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
                if is_leader and ceiling is not None and before.leader_max is not None and ceiling < before.leader_max:
                    # A maximum is never lowered: the system may already have bid for the leader up to it.
                    raise AuctionRuleError(
                        _("Ваш максимум — %(max)s сум. Новый максимум не может быть меньше.")
                        % {"max": format_amount(before.leader_max)},
                        "max_below_current",
                    )
            result = bid_resolve(
                before,
                bidder=bidder.pk,
                amount=parsed,
                max_amount=ceiling,
                step=auction.bid_step,
                reserve=auction.reserve_price,
            )
            fields = ["current_price", "leader", "leader_max", "bid_count", "updated_at"]
            started = auction_start_if_scheduled(auction, fields)
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
                    ends_at=auction.ends_at, now=now, window=soft_close_window(), hard_ends_at=auction.hard_ends_at
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
            own.auction = auction  # as this bid left it (no second read for the answer)
            _leader_known(auction, bidder=bidder, seen=seen)
            outbid = before.leader if before.leader not in (None, result.state.leader) else None
            placed = own

            def after_commit() -> None:
                # Outside the transaction: the live state (one query for the bid history), the
                # broadcast, the notifications and the Celery publishes.
                placed.live_state = effects.bid_effects(
                    auction=auction, outbid_user_id=outbid, extended=extended, started=started
                )

            transaction.on_commit(after_commit)
    except IntegrityError as exc:  # pragma: no cover - the lock makes this unreachable; the constraint is the backstop
        raise AuctionRuleError(_("Ставку с такой суммой уже сделали."), "duplicate") from exc
    return own


def _leader_known(auction: Auction, *, bidder: User, seen: Auction | None) -> None:
    """Give the auction its leader's user object when it is at hand (the bidder, or the leader the
    caller saw before a proxy raise kept the lead), so the live state does not read it again."""
    if auction.leader_id == bidder.pk:
        auction.leader = bidder
    elif seen is not None and seen.leader_id == auction.leader_id and Auction.leader.is_cached(seen):
        auction.leader = seen.leader


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
        auction_start_if_scheduled(auction, fields)
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
        # The sale ends the auction now; a sale at the very instant it starts still ends after it
        # (the table's rule: an auction ends after its start).
        auction.ends_at = max(now, auction.starts_at + MOMENT)
        auction_mark_ended(auction, now=now)
        auction.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        transaction.on_commit(lambda: effects.auction_ended_effects(auction_id=auction_id))
    return bid


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
        broadcast_after_commit(auction.pk)
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
                ends_at=ends_at, now=at, window=soft_close_window(), hard_ends_at=auction.hard_ends_at
            )
            if new_end is not None:
                ends_at = new_end
    auction.current_price = state.price
    auction.leader_id = state.leader
    auction.leader_max = state.leader_max
    auction.bid_count = count
    if ends_at <= now:
        # The recomputed end has passed: the remaining bidders get one soft-close window.
        window_end = now + soft_close_window()
        ends_at = min(window_end, auction.hard_ends_at) if auction.hard_ends_at else window_end
    auction.ends_at = max(ends_at, now)
    auction.save(update_fields=["current_price", "leader", "leader_max", "bid_count", "ends_at", "updated_at"])

"""Business rules for auctions and their fee. Every write to an auction goes
through a function here, inside a transaction that first locks the auction
row (payment rows, when needed, are locked before the auction)."""

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from auctions.models import (
    OPEN_AUCTION_STATUSES,
    Auction,
    AuctionEvent,
    AuctionPayment,
    AuctionStatus,
    Bid,
    ClickTransaction,
    ClickTransactionStatus,
    PaymentStatus,
)
from auctions.payment_rules import payment_is_expired, payment_mark_expired, payment_refund_on_commit
from auctions.selectors import auction_min_next_bid, auctions_due_for_sync
from clickuz.errors import ClickError
from clickuz.handlers import ClickAnswer
from clickuz.protocol import ClickRequest, amounts_equal
from core.formatting import format_amount
from listings.models import Listing

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


def auction_lock(*, auction_id: int) -> Auction:
    """Lock and return the auction row; call inside transaction.atomic()."""
    return Auction.objects.select_for_update().get(pk=auction_id)


def _event(auction: Auction, kind: str, *, actor: User | None = None, **data: object) -> None:
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
    bid_step: Decimal,
) -> Auction:
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
    bid_step = _parse_price(bid_step, field=_("Шаг ставки"))
    with transaction.atomic():
        # Serialise auction creation per listing behind the listing row.
        Listing.objects.select_for_update().filter(pk=listing.pk).first()
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
            starting_price=starting_price,
            bid_step=bid_step,
        )
        _event(auction, AuctionEvent.Kind.CREATED, actor=seller)
    return auction


def auction_cancel(*, auction_id: int, user: User) -> Auction:
    """The seller cancels an auction that has no bids yet."""
    with transaction.atomic():
        _payments_lock(auction_id=auction_id)
        auction = auction_lock(auction_id=auction_id)
        if auction.seller_id != user.pk and not user.is_staff:
            raise AuctionRuleError(_("Отменить аукцион может только продавец."), "not_owner")
        # An unpaid auction whose time has passed can still be cancelled, to free the listing.
        if auction.status in (AuctionStatus.ENDED, AuctionStatus.CANCELLED) or (
            auction.status != AuctionStatus.PENDING_PAYMENT and auction.ends_at <= timezone.now()
        ):
            raise AuctionRuleError(_("Аукцион уже завершён."), "closed")
        if auction.bid_count:
            raise AuctionRuleError(_("После первой ставки аукцион отменить нельзя."), "has_bids")
        if auction.is_paid and timezone.now() < auction.starts_at:
            # The fee bought an auction that will never run: it goes back (see needs_refund).
            refund_ids = list(
                AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.COMPLETED).values_list(
                    "pk", flat=True
                )
            )
            AuctionPayment.objects.filter(pk__in=refund_ids).update(needs_refund=True, updated_at=timezone.now())
            # Click in production: reverse the fee through the Merchant API once this commits.
            payment_refund_on_commit(payment_ids=refund_ids)
        _auction_mark_cancelled(auction, actor=user, reason="cancelled_by_user")
    return auction


def _payments_lock(*, auction_id: int) -> None:
    """Lock an auction's fee payments; lock order: payments before the auction, as in the Click services."""
    list(AuctionPayment.objects.select_for_update().filter(auction_id=auction_id).order_by("pk"))


def _auction_mark_cancelled(auction: Auction, *, actor: User | None, reason: str) -> None:
    """Cancel a locked auction; its unpaid fee can no longer be paid."""
    auction.status = AuctionStatus.CANCELLED
    auction.save(update_fields=["status", "updated_at"])
    AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.CANCELLED, updated_at=timezone.now()
    )
    _event(auction, AuctionEvent.Kind.CANCELLED, actor=actor, reason=reason)


# --- The fee -------------------------------------------------------------------


def payment_initiate(*, auction_id: int, user: User) -> AuctionPayment:
    """Create the fee payment for an unpaid auction, or return the open one."""
    with transaction.atomic():
        _payments_lock(auction_id=auction_id)
        auction = auction_lock(auction_id=auction_id)
        if auction.seller_id != user.pk:
            raise AuctionRuleError(_("Оплатить сбор может только продавец."), "not_owner")
        if auction.is_paid:
            raise AuctionRuleError(_("Сбор за этот аукцион уже оплачен."), "already_paid")
        if auction.status != AuctionStatus.PENDING_PAYMENT:
            raise AuctionRuleError(_("Этот аукцион нельзя оплатить."), "not_payable")
        if auction.ends_at <= timezone.now():
            raise AuctionRuleError(
                _("Время аукциона уже прошло: создайте новый аукцион с новыми датами."), "ends_in_past"
            )
        payment = AuctionPayment.objects.filter(auction=auction, status=PaymentStatus.PENDING).first()
        if payment is not None and payment_is_expired(payment):
            # Click in production: an unpaid fee expires; a new one replaces it.
            payment_mark_expired(payment, now=timezone.now())
            payment = None
        if payment is None:
            payment = AuctionPayment.objects.create(auction=auction, amount=settings.AUCTION_FEE)
            _event(
                auction, AuctionEvent.Kind.PAYMENT_INITIATED, actor=user, merchant_trans_id=payment.merchant_trans_id
            )
    return payment


def _payment_lock(merchant_trans_id: str) -> AuctionPayment | None:
    return AuctionPayment.objects.select_for_update().filter(merchant_trans_id=merchant_trans_id).first()


def payment_prepare(*, click: ClickRequest) -> ClickAnswer:
    """Click's Prepare: is the order real, payable, and is this the amount?"""
    with transaction.atomic():
        payment = _payment_lock(click.merchant_trans_id)
        if payment is None:
            return ClickAnswer(ClickError.USER_NOT_FOUND, detail="no payment with this merchant_trans_id")
        attempt = ClickTransaction.objects.filter(click_trans_id=click.click_trans_id).first()
        if attempt is not None and attempt.payment_id != payment.pk:
            return ClickAnswer(ClickError.BAD_REQUEST, detail="click_trans_id belongs to another payment")
        auction = auction_lock(auction_id=payment.auction_id)
        if payment.status == PaymentStatus.COMPLETED or auction.is_paid:
            return ClickAnswer(ClickError.ALREADY_PAID, attempt.pk if attempt else None, detail="already paid")
        if payment.status == PaymentStatus.CANCELLED:
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail="payment cancelled")
        if attempt is not None and attempt.status == ClickTransactionStatus.CANCELLED:
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, attempt.pk, detail="attempt cancelled")
        if attempt is None and payment_is_expired(payment):
            # Click in production: the seller must initiate a new payment.
            payment_mark_expired(payment, now=timezone.now())
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail="payment expired")
        if auction.status == AuctionStatus.CANCELLED or auction.ends_at <= timezone.now():
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail="the auction can no longer run")
        if not amounts_equal(click.amount, payment.amount):
            return ClickAnswer(ClickError.INCORRECT_AMOUNT, detail=f"expected {payment.amount}")
        if attempt is None:
            attempt = ClickTransaction.objects.create(
                payment=payment,
                click_trans_id=click.click_trans_id,
                click_paydoc_id=click.click_paydoc_id,
                amount_raw=click.amount_raw[:32],
                sign_time=click.sign_time[:32],
            )
        return ClickAnswer(ClickError.SUCCESS, attempt.pk)


def payment_complete(*, click: ClickRequest) -> ClickAnswer:
    """Click's Complete: record the outcome; on success activate the auction, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        payment = _payment_lock(click.merchant_trans_id)
        if payment is None:
            return ClickAnswer(ClickError.USER_NOT_FOUND, detail="no payment with this merchant_trans_id")
        if click.merchant_prepare_id is None:
            return ClickAnswer(ClickError.BAD_REQUEST, detail="merchant_prepare_id is missing")
        attempt = (
            ClickTransaction.objects.select_for_update()
            .filter(pk=click.merchant_prepare_id, payment=payment, click_trans_id=click.click_trans_id)
            .first()
        )
        if attempt is None:
            return ClickAnswer(ClickError.TRANSACTION_NOT_FOUND, detail="unknown merchant_prepare_id")
        if payment.status == PaymentStatus.COMPLETED:
            if attempt.status == ClickTransactionStatus.COMPLETED and click.error == 0:
                # A retry of the Complete that paid: the same answer, nothing changes.
                return ClickAnswer(ClickError.SUCCESS, attempt.pk, detail="repeat")
            return ClickAnswer(ClickError.ALREADY_PAID, detail="paid by another attempt")
        if attempt.status == ClickTransactionStatus.CANCELLED:
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail="attempt cancelled before")
        if payment.status == PaymentStatus.CANCELLED:
            # Cancelled with its auction after Prepare: -9 makes Click cancel the charge.
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail="payment cancelled before")
        if click.error != 0:
            # Only error = 0 means the money moved: never credit anything else.
            attempt.status = ClickTransactionStatus.CANCELLED
            attempt.click_error = click.error
            attempt.click_error_note = click.error_note[:255]
            attempt.finished_at = now
            attempt.save(update_fields=["status", "click_error", "click_error_note", "finished_at"])
            return ClickAnswer(ClickError.TRANSACTION_CANCELLED, detail=f"click error {click.error}")
        if not amounts_equal(click.amount, payment.amount):
            return ClickAnswer(ClickError.INCORRECT_AMOUNT, detail=f"expected {payment.amount}")

        auction = auction_lock(auction_id=payment.auction_id)
        attempt.status = ClickTransactionStatus.COMPLETED
        attempt.click_error = click.error
        attempt.click_error_note = click.error_note[:255]
        attempt.finished_at = now
        attempt.save(update_fields=["status", "click_error", "click_error_note", "finished_at"])
        payment.status = PaymentStatus.COMPLETED
        payment.completed_at = now
        if auction.status == AuctionStatus.PENDING_PAYMENT and not auction.is_paid and auction.ends_at > now:
            auction.is_paid = True
            auction.paid_at = now
            auction.status = AuctionStatus.ACTIVE if auction.starts_at <= now else AuctionStatus.SCHEDULED
            auction.save(update_fields=["is_paid", "paid_at", "status", "updated_at"])
            _event(auction, AuctionEvent.Kind.PAID, merchant_trans_id=payment.merchant_trans_id, status=auction.status)
        else:
            # The auction's time ran out between Prepare and Complete. Click has
            # charged the payer: accept, and flag the fee for a reversal.
            payment.needs_refund = True
            _event(auction, AuctionEvent.Kind.PAID_TOO_LATE, merchant_trans_id=payment.merchant_trans_id)
            logger.error("fee %s paid for auction %s that cannot run: refund it", payment, auction.pk)
            payment_refund_on_commit(payment_ids=[payment.pk])
        payment.save(update_fields=["status", "completed_at", "needs_refund", "updated_at"])
        return ClickAnswer(ClickError.SUCCESS, attempt.pk)


class AuctionFeeClickHandler:
    """Connects Click's callbacks to the auction fee."""

    def prepare(self, request: ClickRequest) -> ClickAnswer:
        return payment_prepare(click=request)

    def complete(self, request: ClickRequest) -> ClickAnswer:
        return payment_complete(click=request)


# --- Bidding and the clock -----------------------------------------------------


def bid_place(*, auction_id: int, bidder: User, amount: Decimal | str) -> Bid:
    """Accept a bid if the rules allow it, under the auction row lock."""
    amount = _parse_price(amount, field=_("Ставка"))
    try:
        with transaction.atomic():
            try:
                auction = auction_lock(auction_id=auction_id)
            except Auction.DoesNotExist as exc:
                raise AuctionRuleError(_("Аукцион не найден."), "not_found") from exc
            now = timezone.now()
            if auction.seller_id == bidder.pk:
                raise AuctionRuleError(_("Продавец не может делать ставки на свой аукцион."), "own_auction")
            if not auction.is_paid or auction.status in (AuctionStatus.PENDING_PAYMENT, AuctionStatus.CANCELLED):
                raise AuctionRuleError(_("Аукцион не открыт для ставок."), "not_open")
            if now < auction.starts_at:
                raise AuctionRuleError(_("Аукцион ещё не начался."), "not_started")
            if auction.status == AuctionStatus.ENDED or now >= auction.ends_at:
                raise AuctionRuleError(_("Аукцион уже завершён."), "ended")
            minimum = auction_min_next_bid(auction)
            if amount < minimum:
                raise AuctionRuleError(
                    _("Ставка должна быть не меньше %(minimum)s сум.") % {"minimum": format_amount(minimum)},
                    "too_low",
                )
            bid = Bid.objects.create(auction=auction, bidder=bidder, amount=amount)
            fields = ["current_price", "leader", "bid_count", "updated_at"]
            if auction.status == AuctionStatus.SCHEDULED:
                auction.status = AuctionStatus.ACTIVE
                fields.append("status")
                _event(auction, AuctionEvent.Kind.STARTED)
            auction.current_price = amount
            auction.leader = bidder
            auction.bid_count += 1
            auction.save(update_fields=fields)
            _event(auction, AuctionEvent.Kind.BID_PLACED, actor=bidder, amount=str(amount), bid_id=bid.pk)
    except IntegrityError as exc:  # pragma: no cover - the lock makes this unreachable; the constraint is the backstop
        raise AuctionRuleError(_("Ставку с такой суммой уже сделали."), "duplicate") from exc
    return bid


def auction_sync(*, auction_id: int, now: datetime | None = None) -> Auction:
    """Record what the clock has decided (start, end and winner, or an unpaid auction
    that can no longer run); idempotent."""
    with transaction.atomic():
        _payments_lock(auction_id=auction_id)
        auction = auction_lock(auction_id=auction_id)
        now = now or timezone.now()
        if auction.status == AuctionStatus.PENDING_PAYMENT and now >= auction.ends_at:
            _auction_mark_cancelled(auction, actor=None, reason="unpaid_before_end")
            return auction
        fields: list[str] = []
        if auction.status == AuctionStatus.SCHEDULED and now >= auction.starts_at:
            auction.status = AuctionStatus.ACTIVE
            fields.append("status")
            _event(auction, AuctionEvent.Kind.STARTED)
        if auction.status == AuctionStatus.ACTIVE and now >= auction.ends_at:
            auction.status = AuctionStatus.ENDED
            auction.winner_id = auction.leader_id
            auction.ended_at = now
            fields += ["status", "winner", "ended_at"]
            _event(
                auction,
                AuctionEvent.Kind.ENDED,
                winner_id=auction.leader_id,
                final_price=str(auction.current_price) if auction.current_price is not None else None,
            )
        if fields:
            auction.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    return auction


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

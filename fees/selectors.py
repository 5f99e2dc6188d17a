"""Reads of the fee: the auction page's fee block, the seller's payments, a payment's timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from auctions.models import Auction
from fees.models import AttemptStatus, AuctionPayment, FeeRefund, PaymentEvent, PaymentStatus
from fees.rules import payment_is_expired


@dataclass(frozen=True)
class AuctionFee:
    open_payment: AuctionPayment | None
    completed_payment: AuctionPayment | None


def fee_payments_of_auction(auction: Auction, *, now: datetime | None = None) -> AuctionFee:
    """The fee an auction page shows: the open payment (an expired one is not offered: the seller
    starts a new one) and the completed one."""
    now = now or timezone.now()
    payments = list(auction.payments.order_by("-created_at", "-id"))
    return AuctionFee(
        open_payment=next(
            (p for p in payments if p.status == PaymentStatus.PENDING and not payment_is_expired(p, now=now)), None
        ),
        completed_payment=next((p for p in payments if p.status == PaymentStatus.COMPLETED), None),
    )


def fee_refund_newest(payment: AuctionPayment | None) -> FeeRefund | None:
    """The fee's newest refund (the one the seller is told about), if it was refunded at all."""
    if payment is None:
        return None
    return payment.refunds.order_by("-created_at", "-id").first()


def fee_declined_at(payment: AuctionPayment, *, gateway: str) -> bool:
    """Whether the payer's newest try of this payment through `gateway` was declined or cancelled
    there (its attempt ended without the money): the seller back from the gateway is told so, and
    the page stops waiting for a confirmation that will not come."""
    newest = payment.attempts.filter(gateway=gateway).order_by("-created_at", "-id").values_list("status", flat=True)
    return newest.first() == AttemptStatus.CANCELLED


def _refunds_newest_first() -> Prefetch:
    """`refunds_newest_first` on each payment: its refunds, the one the seller is told about first."""
    newest_first = FeeRefund.objects.order_by("-created_at", "-id")
    return Prefetch("refunds", queryset=newest_first, to_attr="refunds_newest_first")


def auctions_with_payments(auctions: QuerySet[Auction]) -> QuerySet[Auction]:
    """`payments_newest_first` on each auction, each with `refunds_newest_first` (the seller's dashboard)."""
    payments = AuctionPayment.objects.order_by("-created_at", "-id").prefetch_related(_refunds_newest_first())
    return auctions.prefetch_related(Prefetch("payments", queryset=payments, to_attr="payments_newest_first"))


def fee_payments_of_seller(*, seller_id: int, limit: int = 50) -> list[AuctionPayment]:
    """The seller's newest fee payments with their auction and listing, each with `refunds_newest_first`."""
    return list(
        AuctionPayment.objects.filter(auction__seller_id=seller_id)
        .select_related("auction", "auction__listing")
        .prefetch_related(_refunds_newest_first())
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    detail: str
    gateway: str = ""


def payment_timeline(payment: AuctionPayment) -> list[TimelineEntry]:
    """Initiated, prepared, completed or cancelled, expired, reconciled, refunded, invoices — in time order."""
    entries = [TimelineEntry(payment.created_at, "initiated", f"{payment.amount} · {payment.merchant_trans_id}")]
    for attempt in payment.attempts.order_by("created_at", "id"):
        ids = f"{attempt.gateway} trans_id={attempt.gateway_trans_id}"
        if attempt.gateway_paydoc_id:
            ids += f" paydoc_id={attempt.gateway_paydoc_id}"
        if attempt.hold_until is not None:
            ids += f" holds the order until {timezone.localtime(attempt.hold_until):%Y-%m-%d %H:%M}"
        entries.append(
            TimelineEntry(
                attempt.created_at, "prepared", f"{ids} attempt={attempt.pk} amount={attempt.amount}", attempt.gateway
            )
        )
        if attempt.finished_at is not None and attempt.status != AttemptStatus.PREPARED:
            what = "completed" if attempt.status == AttemptStatus.COMPLETED else "cancelled"
            note = f"{ids} error={attempt.gateway_error} {attempt.gateway_error_note}"
            entries.append(TimelineEntry(attempt.finished_at, what, note.strip(), attempt.gateway))
    for refund in payment.refunds.order_by("created_at", "id"):
        entries.append(
            TimelineEntry(
                refund.updated_at, f"refund {refund.state}", f"{refund.amount} · {refund.reason} {refund.note}"
            )
        )
    for event in payment.events.select_related("actor").order_by("created_at", "id"):
        detail = ", ".join(f"{key}={value}" for key, value in event.data.items() if value not in (None, ""))
        if event.actor_id:
            detail = f"{detail} · {event.actor}" if detail else str(event.actor)
        entries.append(TimelineEntry(event.created_at, str(event.kind), detail))
    return sorted(entries, key=lambda entry: entry.at)


def timeline_label(what: str, gateway: str = "") -> str:
    if gateway == "payme":
        payme_labels = {
            "prepared": _("Payme: CreateTransaction — заказ удерживается"),
            "completed": _("Payme: PerformTransaction — оплачено"),
            "cancelled": _("Payme: CancelTransaction — отменено"),
        }
        if what in payme_labels:
            return payme_labels[what]
    labels = {
        "initiated": _("Оплата инициирована"),
        "prepared": _("Click: Prepare"),
        "completed": _("Click: Complete — оплачено"),
        "cancelled": _("Click: Complete — отменено"),
    }
    if what in labels:
        return labels[what]
    try:
        return str(PaymentEvent.Kind(what).label)
    except ValueError:
        return what

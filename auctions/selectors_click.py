"""Reads for Click operations: a fee payment's timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from auctions.models import AuctionPayment, ClickTransactionStatus, PaymentEvent


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    detail: str


def payment_timeline(payment: AuctionPayment) -> list[TimelineEntry]:
    """Initiated, prepared, completed or cancelled, expired, reconciled, refunded, invoices — in time order."""
    entries = [TimelineEntry(payment.created_at, "initiated", f"{payment.amount} · {payment.merchant_trans_id}")]
    for attempt in payment.click_transactions.order_by("created_at", "id"):
        entries.append(
            TimelineEntry(
                attempt.created_at,
                "prepared",
                f"click_trans_id={attempt.click_trans_id} merchant_prepare_id={attempt.pk} amount={attempt.amount_raw}",
            )
        )
        if attempt.finished_at is not None and attempt.status != ClickTransactionStatus.PREPARED:
            what = "completed" if attempt.status == ClickTransactionStatus.COMPLETED else "cancelled"
            note = f"click_trans_id={attempt.click_trans_id} error={attempt.click_error} {attempt.click_error_note}"
            entries.append(TimelineEntry(attempt.finished_at, what, note.strip()))
    for event in payment.events.select_related("actor").order_by("created_at", "id"):
        detail = ", ".join(f"{key}={value}" for key, value in event.data.items() if value not in (None, ""))
        if event.actor_id:
            detail = f"{detail} · {event.actor}" if detail else str(event.actor)
        entries.append(TimelineEntry(event.created_at, str(event.kind), detail))
    return sorted(entries, key=lambda entry: entry.at)


def timeline_label(what: str) -> str:
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

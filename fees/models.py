"""The auction fee, whatever gateway pays it.

- AuctionPayment: the fee (the operator's `auctions.models.AuctionPayment`: same
  table, fields and statuses); `merchant_trans_id` is the order id gateways carry.
- PaymentAttempt: one per gateway transaction (a Click Prepare, a Payme
  CreateTransaction); its primary key is the id we answer with.
- FeeRefund: one money movement back to the payer, a state machine of its own.
- PaymentEvent: the append-only timeline of everything that happened to a fee.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auctions.models import Auction
from core.orders import merchant_trans_id_generate


class Gateway(models.TextChoices):
    CLICK = "click", "Click"
    PAYME = "payme", "Payme"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Ожидает оплаты")
    COMPLETED = "completed", _("Оплачен")
    CANCELLED = "cancelled", _("Отменён")


class RefundStatus(models.TextChoices):
    """The fee's refund, summarised on the payment row for operators (FeeRefund holds the detail)."""

    NONE = "", _("—")
    REFUNDED = "refunded", _("Возвращён")
    FAILED = "failed", _("Ошибка возврата")


class AuctionPayment(models.Model):
    """The auction fee; `merchant_trans_id` is the order id every gateway carries back."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="payments", verbose_name=_("аукцион"))
    merchant_trans_id = models.CharField(
        "merchant_trans_id", max_length=28, unique=True, default=merchant_trans_id_generate, editable=False
    )
    amount = models.DecimalField(_("сумма, сум"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("статус"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True
    )
    # The payer was charged for an auction that cannot run (or twice): a FeeRefund goes back.
    needs_refund = models.BooleanField(_("нужен возврат"), default=False)
    refund_status = models.CharField(
        _("возврат"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.NONE, blank=True
    )
    refund_note = models.CharField(_("возврат: причина"), max_length=255, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(_("попыток возврата"), default=0)
    refunded_at = models.DateTimeField(_("возвращён в"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    completed_at = models.DateTimeField(_("оплачен в"), null=True, blank=True)

    class Meta:
        db_table = "auctions_auctionpayment"  # the operator's checklist names this table
        verbose_name = _("оплата аукциона")
        verbose_name_plural = _("оплаты аукционов")
        # .last() is the newest payment (checklist step 7).
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["auction"], condition=Q(status="completed"), name="payment_one_completed_per_auction"
            ),
            models.UniqueConstraint(
                fields=["auction"], condition=Q(status="pending"), name="payment_one_pending_per_auction"
            ),
        ]

    def __str__(self) -> str:
        return self.merchant_trans_id


class AttemptStatus(models.TextChoices):
    PREPARED = "prepared", _("Подготовлена")
    COMPLETED = "completed", _("Проведена")
    CANCELLED = "cancelled", _("Отменена")


class PaymentAttempt(models.Model):
    """One gateway transaction for a fee; its primary key is Click's merchant_prepare_id."""

    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("оплата")
    )
    gateway = models.CharField(_("платёжная система"), max_length=8, choices=Gateway.choices, default=Gateway.CLICK)
    # Click: click_trans_id. Payme: its transaction id.
    gateway_trans_id = models.CharField(_("id транзакции"), max_length=64)
    # Click: click_paydoc_id (the payment document the payer sees).
    gateway_paydoc_id = models.CharField(_("id платёжного документа"), max_length=64, blank=True)
    # The id the gateway's own API knows the payment by (Click's Merchant API payment_id,
    # learnt from status_by_mti): used for status checks and reversals.
    gateway_payment_id = models.CharField(_("id платежа в API"), max_length=64, blank=True)
    amount = models.DecimalField(_("сумма, сум"), max_digits=12, decimal_places=2)
    # The gateway's own fields as received (Click: the raw amount text and sign_time).
    gateway_data = models.JSONField(_("данные платёжной системы"), default=dict, blank=True)
    status = models.CharField(
        _("статус"), max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.PREPARED, db_index=True
    )
    gateway_error = models.IntegerField(_("код ошибки"), null=True, blank=True)
    gateway_error_note = models.CharField(_("текст ошибки"), max_length=255, blank=True)
    # A gateway whose transaction reserves the order until it is performed or cancelled (Payme's
    # CreateTransaction): while now < hold_until, no other attempt may start or finish paying it.
    hold_until = models.DateTimeField(_("заказ удерживается до"), null=True, blank=True)
    created_at = models.DateTimeField(_("подготовлена в"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершена в"), null=True, blank=True)

    class Meta:
        verbose_name = _("попытка оплаты")
        verbose_name_plural = _("попытки оплаты")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["gateway", "gateway_trans_id"], name="attempt_unique_gateway_trans_id"),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="completed"), name="attempt_one_completed_per_payment"
            ),
            # One holding attempt in flight per order (Payme: one state-1 transaction per order).
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status="prepared", hold_until__isnull=False),
                name="attempt_one_hold_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.gateway_trans_id}"

    @property
    def merchant_prepare_id(self) -> int:
        return self.pk


class RefundState(models.TextChoices):
    REQUESTED = "requested", _("Запрошен")
    SENDING = "sending", _("Отправляется")
    DONE = "done", _("Возвращён")
    FAILED = "failed", _("Отклонён платёжной системой")
    UNKNOWN = "unknown", _("Исход неизвестен: уточняется")


# A refund in these states may still move money: at most one per attempt.
LIVE_REFUND_STATES = (RefundState.REQUESTED, RefundState.SENDING, RefundState.DONE, RefundState.UNKNOWN)


class FeeRefund(models.Model):
    """Money going back for one charged attempt.

    requested → sending (committed before the gateway is called) → done, failed
    (the gateway refused) or unknown (no definite answer). An unknown refund is
    settled by asking the gateway before anything is sent again.
    """

    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("оплата")
    )
    attempt = models.ForeignKey(
        PaymentAttempt, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("попытка оплаты")
    )
    gateway = models.CharField(_("платёжная система"), max_length=8, choices=Gateway.choices)
    amount = models.DecimalField(_("сумма, сум"), max_digits=12, decimal_places=2)
    state = models.CharField(
        _("состояние"), max_length=16, choices=RefundState.choices, default=RefundState.REQUESTED, db_index=True
    )
    reason = models.CharField(_("причина"), max_length=64)
    note = models.CharField(_("ответ платёжной системы"), max_length=255, blank=True)
    sends = models.PositiveSmallIntegerField(_("отправок"), default=0)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    sent_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    settled_at = models.DateTimeField(_("завершён"), null=True, blank=True)

    class Meta:
        verbose_name = _("возврат сбора")
        verbose_name_plural = _("возвраты сбора")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"], condition=Q(state__in=LIVE_REFUND_STATES), name="refund_one_live_per_attempt"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} · {self.amount} ({self.gateway})"


class PaymentEvent(models.Model):
    """Append-only record of what happened to a fee payment (its timeline in the admin)."""

    class Kind(models.TextChoices):
        EXPIRED = "expired", _("Истёк срок оплаты")
        RECONCILED = "reconciled", _("Сверено с платёжной системой")
        RECONCILE_UNKNOWN = "reconcile_unknown", _("Сверка: ответ неясен")
        PAID_TOO_LATE = "paid_too_late", _("Оплачено, но аукцион не может идти")
        REFUND_REQUESTED = "refund_requested", _("Нужен возврат")
        REFUND_SENDING = "refund_sending", _("Возврат отправляется")
        REFUNDED = "refunded", _("Возвращён")
        REFUND_FAILED = "refund_failed", _("Возврат не удался")
        REFUND_UNKNOWN = "refund_unknown", _("Исход возврата неизвестен")
        INVOICE_CREATED = "invoice_created", _("Счёт выставлен в Click")
        INVOICE_FAILED = "invoice_failed", _("Счёт не выставлен")
        INVOICE_STATUS = "invoice_status", _("Статус счёта")
        REFUNDED_BY_GATEWAY = "refunded_by_gateway", _("Возвращён платёжной системой")

    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="events", verbose_name=_("оплата")
    )
    kind = models.CharField(_("событие"), max_length=32, choices=Kind.choices)
    data = models.JSONField(_("подробности"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("кто")
    )
    created_at = models.DateTimeField(_("время"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("событие оплаты")
        verbose_name_plural = _("события оплат")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M:%S})"

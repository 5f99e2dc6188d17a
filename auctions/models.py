import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import AUCTION_ACTIVE, AUCTION_OPEN_STATUSES, AUCTION_PENDING_PAYMENT, AUCTION_SCHEDULED, Listing

MERCHANT_TRANS_ID_PREFIX = "AUCTION_"
_MERCHANT_TRANS_ID_ALPHABET = string.ascii_uppercase + string.digits


def merchant_trans_id_generate() -> str:
    """AUCTION_ + 20 upper-case letters/digits, from a CSPRNG."""
    return MERCHANT_TRANS_ID_PREFIX + "".join(secrets.choice(_MERCHANT_TRANS_ID_ALPHABET) for _ in range(20))


class AuctionStatus(models.TextChoices):
    # The values listings needs are defined in listings.models (it may not import auctions).
    PENDING_PAYMENT = AUCTION_PENDING_PAYMENT, _("Ожидает оплаты")
    SCHEDULED = AUCTION_SCHEDULED, _("Запланирован")
    ACTIVE = AUCTION_ACTIVE, _("Активен")
    ENDED = "ended", _("Завершён")
    CANCELLED = "cancelled", _("Отменён")


OPEN_AUCTION_STATUSES = tuple(AuctionStatus(value) for value in AUCTION_OPEN_STATUSES)
PAID_AUCTION_STATUSES = (AuctionStatus.SCHEDULED, AuctionStatus.ACTIVE, AuctionStatus.ENDED)


class Auction(models.Model):
    """An auction for one listing. Written only through auctions.services."""

    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, related_name="auctions", verbose_name=_("объявление")
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auctions", verbose_name=_("продавец")
    )
    starts_at = models.DateTimeField(_("начало"))
    ends_at = models.DateTimeField(_("окончание"))
    starting_price = models.DecimalField(_("стартовая цена, сум"), max_digits=14, decimal_places=2)
    bid_step = models.DecimalField(_("шаг ставки, сум"), max_digits=14, decimal_places=2)
    # The end as created; `ends_at` is the effective end, moved by soft close.
    original_ends_at = models.DateTimeField(_("окончание по плану"), null=True, blank=True)
    # Optional cap on soft-close extensions.
    hard_ends_at = models.DateTimeField(_("крайний срок"), null=True, blank=True)
    # Hidden: below it the auction ends unsold. Public: "reserve met" once reached.
    reserve_price = models.DecimalField(
        _("резервная цена, сум"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # "Buy now": available until the first bid.
    buy_now_price = models.DecimalField(
        _("цена «купить сейчас», сум"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("статус"), max_length=16, choices=AuctionStatus.choices, default=AuctionStatus.PENDING_PAYMENT, db_index=True
    )
    is_paid = models.BooleanField(_("оплачен"), default=False)
    paid_at = models.DateTimeField(_("оплачен в"), null=True, blank=True)
    current_price = models.DecimalField(_("текущая цена, сум"), max_digits=14, decimal_places=2, null=True, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("лидер"),
    )
    # The leader's hidden maximum (proxy bid): the price rises for them up to it.
    leader_max = models.DecimalField(_("максимум лидера, сум"), max_digits=14, decimal_places=2, null=True, blank=True)
    bid_count = models.PositiveIntegerField(_("ставок"), default=0)
    extension_count = models.PositiveIntegerField(_("продлений"), default=0)
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="won_auctions",
        verbose_name=_("победитель"),
    )
    ended_at = models.DateTimeField(_("завершён в"), null=True, blank=True)
    ending_soon_sent_at = models.DateTimeField(_("«скоро конец» отправлено"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("аукцион")
        verbose_name_plural = _("аукционы")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="auction_ends_after_start"),
            models.CheckConstraint(condition=Q(starting_price__gt=0), name="auction_starting_price_positive"),
            models.CheckConstraint(condition=Q(bid_step__gt=0), name="auction_bid_step_positive"),
            models.CheckConstraint(
                condition=Q(hard_ends_at__isnull=True) | Q(hard_ends_at__gte=F("ends_at")),
                name="auction_hard_end_not_before_end",
            ),
            models.CheckConstraint(
                condition=Q(reserve_price__isnull=True) | Q(reserve_price__gt=F("starting_price")),
                name="auction_reserve_above_start",
            ),
            models.CheckConstraint(
                condition=Q(buy_now_price__isnull=True) | Q(buy_now_price__gt=F("starting_price")),
                name="auction_buy_now_above_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=PAID_AUCTION_STATUSES) | Q(is_paid=True), name="auction_running_is_paid"
            ),
            models.UniqueConstraint(
                fields=["listing"], condition=Q(status__in=OPEN_AUCTION_STATUSES), name="auction_one_open_per_listing"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at", "ends_at"], name="auction_status_times")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing}"

    def get_absolute_url(self) -> str:
        return reverse("auctions:detail", args=[self.pk])


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Ожидает оплаты")
    COMPLETED = "completed", _("Оплачен")
    CANCELLED = "cancelled", _("Отменён")


class RefundStatus(models.TextChoices):
    NONE = "", _("—")
    REFUNDED = "refunded", _("Возвращён")
    FAILED = "failed", _("Ошибка возврата")


class AuctionPayment(models.Model):
    """The auction fee, paid through Click; `merchant_trans_id` is Click's order id."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="payments", verbose_name=_("аукцион"))
    merchant_trans_id = models.CharField(
        "merchant_trans_id", max_length=28, unique=True, default=merchant_trans_id_generate, editable=False
    )
    amount = models.DecimalField(_("сумма, сум"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("статус"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True
    )
    # Set when Click charged the payer but the auction could no longer run:
    # the fee must be reversed (Merchant API) by an operator.
    needs_refund = models.BooleanField(_("нужен возврат"), default=False)
    # The reversal through Click's Merchant API (auctions.services_click.payment_refund).
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


class ClickTransactionStatus(models.TextChoices):
    PREPARED = "prepared", _("Подготовлена")
    COMPLETED = "completed", _("Проведена")
    CANCELLED = "cancelled", _("Отменена")


class ClickTransaction(models.Model):
    """One Click payment attempt for a fee; its primary key is our merchant_prepare_id."""

    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="click_transactions", verbose_name=_("оплата")
    )
    click_trans_id = models.BigIntegerField(unique=True)
    click_paydoc_id = models.BigIntegerField(null=True, blank=True)
    amount_raw = models.CharField(_("сумма (как прислал Click)"), max_length=32)
    sign_time = models.CharField(max_length=32)
    status = models.CharField(
        _("статус"), max_length=16, choices=ClickTransactionStatus.choices, default=ClickTransactionStatus.PREPARED
    )
    click_error = models.IntegerField(_("код Click"), null=True, blank=True)
    click_error_note = models.CharField(_("текст Click"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("подготовлена в"), auto_now_add=True)
    finished_at = models.DateTimeField(_("завершена в"), null=True, blank=True)

    class Meta:
        verbose_name = _("транзакция Click")
        verbose_name_plural = _("транзакции Click")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="completed"), name="click_transaction_one_completed_per_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"click_trans_id={self.click_trans_id}"

    @property
    def merchant_prepare_id(self) -> int:
        return self.pk


class BidKind(models.TextChoices):
    MANUAL = "manual", _("Ставка")
    AUTO = "auto", _("Автоставка")
    BUY_NOW = "buy_now", _("Купить сейчас")


class Bid(models.Model):
    """One step of the public price. `manual` rows are what bidders sent (with their
    maximum, if any); `auto` rows are proxy raises the system made for them."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids", verbose_name=_("аукцион"))
    bidder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids", verbose_name=_("участник")
    )
    amount = models.DecimalField(_("сумма, сум"), max_digits=14, decimal_places=2)
    kind = models.CharField(_("вид"), max_length=8, choices=BidKind.choices, default=BidKind.MANUAL)
    # What the bidder typed, and their hidden maximum (manual rows only).
    offer_amount = models.DecimalField(_("предложено, сум"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(_("максимум, сум"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The server time the bid was accepted at (set by bid_place under the lock).
    created_at = models.DateTimeField(_("время"), default=timezone.now)
    # An admin may remove a bid (with a reason); the row stays as evidence.
    removed_at = models.DateTimeField(_("удалена в"), null=True, blank=True)
    removed_reason = models.CharField(_("причина удаления"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ставка")
        verbose_name_plural = _("ставки")
        ordering = ["-amount", "-id"]
        constraints = [
            # Each accepted bid a bidder sends is strictly higher: no two share a price.
            # (A proxy raise may equal the bid it answers: equal maximums go to the earlier one.)
            models.UniqueConstraint(
                fields=["auction", "amount"],
                condition=Q(removed_at__isnull=True) & ~Q(kind="auto"),
                name="bid_unique_amount_per_auction",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_amount_positive"),
        ]
        indexes = [models.Index(fields=["auction", "removed_at", "amount"], name="bid_auction_live_amount")]

    def __str__(self) -> str:
        return f"{self.amount} — {self.bidder}"


class AuctionEvent(models.Model):
    """Append-only history of what happened to an auction, in server time."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Создан")
        PAYMENT_INITIATED = "payment_initiated", _("Оплата инициирована")
        PAID = "paid", _("Сбор оплачен")
        PAID_TOO_LATE = "paid_too_late", _("Оплата после отмены — нужен возврат")
        STARTED = "started", _("Начался")
        BID_PLACED = "bid_placed", _("Ставка")
        MAX_RAISED = "max_raised", _("Максимум лидера повышен")
        EXTENDED = "extended", _("Продлён (мягкое закрытие)")
        BOUGHT_NOW = "bought_now", _("Куплен по цене «купить сейчас»")
        BID_REMOVED = "bid_removed", _("Ставка удалена администратором")
        ENDED = "ended", _("Завершён")
        CANCELLED = "cancelled", _("Отменён")

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("событие аукциона")
        verbose_name_plural = _("события аукционов")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M:%S})"


class PaymentEvent(models.Model):
    """Append-only record of what the Click jobs did to a fee payment (its timeline in the admin).

    Initiation, Prepare and Complete are already recorded by AuctionPayment and
    ClickTransaction; these rows add expiry, reconciliation, refunds and invoices.
    """

    class Kind(models.TextChoices):
        EXPIRED = "expired", _("Истёк срок оплаты")
        RECONCILED = "reconciled", _("Сверено с Click")
        RECONCILE_UNKNOWN = "reconcile_unknown", _("Сверка: ответ Click неясен")
        REFUND_REQUESTED = "refund_requested", _("Нужен возврат")
        REFUNDED = "refunded", _("Возвращён через Click")
        REFUND_FAILED = "refund_failed", _("Возврат не удался")
        INVOICE_CREATED = "invoice_created", _("Счёт выставлен в Click")
        INVOICE_FAILED = "invoice_failed", _("Счёт не выставлен")
        INVOICE_STATUS = "invoice_status", _("Статус счёта")

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


class ClickInvoiceStatus(models.TextChoices):
    WAITING = "waiting", _("Ждёт оплаты в Click")
    PAID = "paid", _("Оплачен")
    FAILED = "failed", _("Отклонён")
    ERROR = "error", _("Не выставлен")


class ClickInvoice(models.Model):
    """A fee invoice sent to the payer's Click app by phone (Merchant API invoice/create)."""

    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("оплата")
    )
    phone_number = models.CharField(_("телефон"), max_length=16)
    invoice_id = models.BigIntegerField(_("номер счёта в Click"), null=True, blank=True, unique=True)
    status = models.CharField(
        _("статус"), max_length=16, choices=ClickInvoiceStatus.choices, default=ClickInvoiceStatus.WAITING
    )
    click_status = models.IntegerField(_("статус в Click"), null=True, blank=True)
    note = models.CharField(_("ответ Click"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("выставлен"), auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(_("проверен"), null=True, blank=True)

    class Meta:
        verbose_name = _("счёт Click")
        verbose_name_plural = _("счета Click")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id or '—'} → {self.phone_number}"


class AuctionWatch(models.Model):
    """A user follows an auction: told when it starts, ends soon or is extended."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auction_watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("отслеживание аукциона")
        verbose_name_plural = _("отслеживания аукционов")
        constraints = [models.UniqueConstraint(fields=["auction", "user"], name="auction_watch_unique")]

    def __str__(self) -> str:
        return f"{self.user} → #{self.auction_id}"

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import (
    AUCTION_ACTIVE,
    AUCTION_OPEN_STATUSES,
    AUCTION_PENDING_PAYMENT,
    AUCTION_RUNNING_STATUSES,
    AUCTION_SCHEDULED,
    Listing,
)


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
    """An auction for one listing. Written only through auctions.lifecycle and auctions.bidding."""

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
    cancelled_at = models.DateTimeField(_("отменён в"), null=True, blank=True)
    ending_soon_sent_at = models.DateTimeField(_("«скоро конец» отправлено"), null=True, blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)
    # The listing's own created_at (set once, as that one is), copied here so that search's "running
    # auctions, newest listings first" reads one index of the running auctions in order
    # (auction_running_newest) instead of walking every public listing to find the few with one.
    listing_created_at = models.DateTimeField(_("объявление создано"), editable=False)

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
        indexes = [
            models.Index(fields=["status", "starts_at", "ends_at"], name="auction_status_times"),
            # Search's "auction running, ending soonest" (listings.selectors.listings_search) reads in end order.
            models.Index(
                fields=["ends_at"],
                name="auction_running_ends",
                condition=Q(status__in=AUCTION_RUNNING_STATUSES, is_paid=True),
            ),
            # Search's running auctions in the listings' newest order (listings.selectors.listings_search);
            # the start and end as trailing keys so "ending within 24 h" filters without the table.
            models.Index(
                F("listing_created_at").desc(),
                F("listing_id").desc(),
                F("ends_at"),
                F("starts_at"),
                name="auction_running_newest",
                condition=Q(status__in=AUCTION_RUNNING_STATUSES, is_paid=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing}"

    def get_absolute_url(self) -> str:
        return reverse("auctions:detail", args=[self.pk])


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
    # Not a column: set on the row bidding.bid_place returns, once its transaction has committed,
    # to the live state pushed to the open pages (the bidder's answer reuses it).
    live_state: dict[str, object] | None = None
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
        FEE_REFUNDED = "fee_refunded", _("Сбор возвращён — нужна новая оплата")
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


def __getattr__(name: str) -> object:
    """`from auctions.models import AuctionPayment` keeps working (the operator's checklist, step 7):
    the fee now lives in the fees app, which this app must not import; the app registry resolves it."""
    if name == "AuctionPayment":
        from django.apps import apps

        return apps.get_model("fees", "AuctionPayment")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

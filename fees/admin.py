"""The fee in the admin: payments with their attempts, refunds and timeline. View only:
changes go through the services (operators' actions included)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from auctions.admin import AuctionAdmin, NoDeleteMixin, ReadOnlyInline
from auctions.models import Auction
from fees.models import AuctionPayment, FeeRefund, PaymentAttempt, PaymentEvent, RefundState
from fees.refunds import payment_refund_retry
from fees.selectors import payment_timeline, timeline_label


class PaymentInline(ReadOnlyInline):
    model = AuctionPayment
    fields = ["merchant_trans_id", "amount", "status", "needs_refund", "created_at", "completed_at"]
    fk_name = "auction"
    readonly_fields = fields
    show_change_link = True


class PaymentAttemptInline(ReadOnlyInline):
    model = PaymentAttempt
    fields = [
        "id",
        "gateway",
        "gateway_trans_id",
        "gateway_paydoc_id",
        "gateway_payment_id",
        "amount",
        "status",
        "gateway_error",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields


class FeeRefundInline(ReadOnlyInline):
    model = FeeRefund
    fields = ["created_at", "gateway", "amount", "state", "reason", "sends", "note", "sent_at", "settled_at"]
    readonly_fields = fields


def _payment_timeline_html(obj: AuctionPayment) -> str:
    return format_html(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
        _("время"),
        _("событие"),
        _("подробности"),
        format_html_join(
            "",
            '<tr data-timeline="{}"><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    entry.what,
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    timeline_label(entry.what, entry.gateway),
                    entry.detail,
                )
                for entry in payment_timeline(obj)
            ),
        ),
    )


def _can_operate(request: HttpRequest) -> bool:
    """Re-checking and refunding write through the services: superusers or holders of change_auctionpayment."""
    return bool(request.user.is_superuser or request.user.has_perm("fees.change_auctionpayment"))


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields


@admin.action(description=_("Повторить возврат"), permissions=["operate"])
def retry_refund(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    """A refusal is sent again; an unknown outcome is asked about first, never sent blindly."""
    for payment in queryset.filter(needs_refund=True).order_by("pk"):
        for refund in payment_refund_retry(payment_id=payment.pk, actor=request.user):  # type: ignore[arg-type]
            level = {RefundState.DONE: messages.SUCCESS, RefundState.FAILED: messages.ERROR}.get(
                RefundState(refund.state), messages.WARNING
            )
            modeladmin.message_user(
                request, f"{payment.merchant_trans_id}: {refund.get_state_display()} {refund.note}".strip(), level
            )


@admin.register(AuctionPayment)
class AuctionPaymentAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = [
        "merchant_trans_id",
        "auction_link",
        "amount",
        "status",
        "needs_refund",
        "refund_status",
        "created_at",
        "completed_at",
    ]
    list_filter = ["status", "needs_refund", "refund_status", "created_at"]
    search_fields = [
        "merchant_trans_id",
        "auction__id",
        "auction__seller__phone",
        "attempts__gateway_trans_id",
        "attempts__gateway_paydoc_id",
    ]
    list_select_related = ["auction"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuctionPayment._meta.fields] + ["auction_status", "timeline"]
    inlines = [PaymentAttemptInline, FeeRefundInline, PaymentEventInline]
    actions = [retry_refund]

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return _can_operate(request)

    @admin.display(description=_("история оплаты"))
    def timeline(self, obj: AuctionPayment) -> str:
        return _payment_timeline_html(obj)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: changes go through the services

    @admin.display(description=_("аукцион"))
    def auction_link(self, obj: AuctionPayment) -> str:
        url = reverse("admin:auctions_auction_change", args=[obj.auction_id])
        return format_html('<a href="{}">#{}</a>', url, obj.auction_id)

    @admin.display(description=_("статус аукциона"))
    def auction_status(self, obj: AuctionPayment) -> str:
        return f"{obj.auction.get_status_display()} · is_paid={obj.auction.is_paid}"


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["id", "gateway", "gateway_trans_id", "payment", "status", "amount", "gateway_error", "created_at"]
    list_filter = ["gateway", "status", "created_at"]
    search_fields = ["gateway_trans_id", "gateway_paydoc_id", "gateway_payment_id", "payment__merchant_trans_id"]
    readonly_fields = [f.name for f in PaymentAttempt._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: changes go through the services


@admin.register(PaymentEvent)
class PaymentEventAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["created_at", "payment", "kind", "actor"]
    list_filter = ["kind", "created_at"]
    search_fields = ["payment__merchant_trans_id"]
    list_select_related = ["payment", "actor"]
    readonly_fields = [f.name for f in PaymentEvent._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(FeeRefund)
class FeeRefundAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["created_at", "payment", "gateway", "amount", "state", "reason", "sends", "settled_at"]
    list_filter = ["state", "gateway", "created_at"]
    search_fields = ["payment__merchant_trans_id"]
    list_select_related = ["payment"]
    readonly_fields = [f.name for f in FeeRefund._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class AuctionWithPaymentsAdmin(AuctionAdmin):
    """The auction's admin page, with its fee payments (auctions does not know the fee)."""

    inlines = [PaymentInline, *AuctionAdmin.inlines]


admin.site.unregister(Auction)
admin.site.register(Auction, AuctionWithPaymentsAdmin)

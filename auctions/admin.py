from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from auctions import services
from auctions.models import (
    Auction,
    AuctionEvent,
    AuctionPayment,
    Bid,
    BidKind,
    ClickInvoice,
    ClickTransaction,
    PaymentEvent,
    RefundStatus,
)
from auctions.selectors_click import payment_timeline, timeline_label
from auctions.services_click import payment_reconcile, payment_refund
from clickuz.models import ClickCallback


class NoDeleteMixin:
    """Auctions, payments, attempts and bids are evidence: changed only by services, never deleted."""

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class BidInline(ReadOnlyInline):
    model = Bid
    fields = ["amount", "kind", "bidder", "max_amount", "created_at", "removed_at", "removed_reason", "remove_link"]
    readonly_fields = fields

    @admin.display(description=_("удалить"))
    def remove_link(self, obj: Bid) -> str:
        if obj.removed_at is not None or obj.kind != BidKind.MANUAL:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:auctions_bid_remove", args=[obj.pk]), _("удалить…"))


class AuctionEventInline(ReadOnlyInline):
    model = AuctionEvent
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = AuctionPayment
    fields = ["merchant_trans_id", "amount", "status", "needs_refund", "created_at", "completed_at"]
    readonly_fields = fields
    show_change_link = True


class ClickTransactionInline(ReadOnlyInline):
    model = ClickTransaction
    fields = [
        "id",
        "click_trans_id",
        "click_paydoc_id",
        "amount_raw",
        "status",
        "click_error",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields


def reason_form_view(
    admin_site: admin.AdminSite,
    request: HttpRequest,
    *,
    obj: object,
    title: str,
    back: str,
    act: Callable[[str], object],
    done: str,
) -> HttpResponse:
    """An operator action that needs a reason: the form, then one service call (act) on POST."""
    error = None
    if request.method == "POST":
        try:
            act(request.POST.get("reason", ""))
        except services.AuctionRuleError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect(back)
    context = {**admin_site.each_context(request), "title": title, "object": obj, "error": error, "back": back}
    return render(request, "admin/auctions/reason_form.html", context)


@admin.register(Auction)
class AuctionAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Auctions change only through services: the admin shows, it does not edit."""

    list_display = [
        "id",
        "listing",
        "seller",
        "status",
        "is_paid",
        "starts_at",
        "ends_at",
        "current_price",
        "bid_count",
        "extension_count",
    ]
    list_filter = ["status", "is_paid", "starts_at", "ends_at"]
    search_fields = ["id", "listing__title", "seller__phone", "payments__merchant_trans_id"]
    list_select_related = ["listing", "seller"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Auction._meta.fields] + ["admin_actions"]
    inlines = [PaymentInline, BidInline, AuctionEventInline]

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="auctions_auction_cancel",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("действия"))
    def admin_actions(self, obj: Auction) -> str:
        if obj.status in ("ended", "cancelled"):
            return "—"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:auctions_auction_cancel", args=[obj.pk]),
            _("Отменить аукцион…"),
        )

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("auctions.change_auction"):
            raise PermissionDenied
        auction = get_object_or_404(Auction, pk=pk)
        return reason_form_view(
            self.admin_site,
            request,
            obj=auction,
            title=_("Отмена аукциона #%(pk)s") % {"pk": pk},
            back=reverse("admin:auctions_auction_change", args=[pk]),
            act=lambda reason: services.auction_cancel(auction_id=pk, user=request.user, reason=reason),  # type: ignore[arg-type]
            done=_("Аукцион отменён."),
        )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: changes go through the services


# --- Click in production: operators' tools -------------------------------------


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
                    timeline_label(entry.what),
                    entry.detail,
                )
                for entry in payment_timeline(obj)
            ),
        ),
    )


def _can_operate(request: HttpRequest) -> bool:
    """Re-checking and refunding write through the services: superusers or holders of change_auctionpayment."""
    return bool(request.user.is_superuser or request.user.has_perm("auctions.change_auctionpayment"))


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields


class ClickInvoiceInline(ReadOnlyInline):
    model = ClickInvoice
    fields = ["created_at", "phone_number", "invoice_id", "status", "click_status", "note", "checked_at"]
    readonly_fields = fields


@admin.action(description=_("Перепроверить в Click (Merchant API)"), permissions=["operate"])
def recheck_with_click(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    for payment in queryset.order_by("pk"):
        result = payment_reconcile(payment_id=payment.pk, actor=request.user)  # type: ignore[arg-type]
        level = messages.SUCCESS if result.outcome in ("paid", "confirmed", "nothing_to_do") else messages.WARNING
        modeladmin.message_user(request, f"{payment.merchant_trans_id}: {result.outcome} — {result.detail}", level)


@admin.action(description=_("Повторить возврат через Click"), permissions=["operate"])
def retry_refund(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    for payment in queryset.filter(needs_refund=True).order_by("pk"):
        done = payment_refund(payment_id=payment.pk, actor=request.user, retry=True)  # type: ignore[arg-type]
        if done.refund_status == RefundStatus.REFUNDED:
            modeladmin.message_user(request, f"{done.merchant_trans_id}: {_('возвращён')}", messages.SUCCESS)
        else:
            modeladmin.message_user(request, f"{done.merchant_trans_id}: {done.refund_note}", messages.ERROR)


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
    search_fields = ["merchant_trans_id", "auction__id", "auction__seller__phone", "click_transactions__click_trans_id"]
    list_select_related = ["auction"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuctionPayment._meta.fields] + ["auction_status", "timeline", "callbacks"]
    inlines = [ClickTransactionInline, ClickInvoiceInline, PaymentEventInline]
    actions = [recheck_with_click, retry_refund]

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

    @admin.display(description=_("callbacks Click"))
    def callbacks(self, obj: AuctionPayment) -> str:
        rows = ClickCallback.objects.filter(merchant_trans_id=obj.merchant_trans_id).order_by("created_at")[:50]
        if not rows:
            return _("Click ещё не присылал callback по этой оплате.")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("время"),
            _("этап"),
            _("код"),
            _("причина"),
            _("адрес"),
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        reverse("admin:clickuz_clickcallback_change", args=[cb.pk]),
                        timezone.localtime(cb.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                        cb.stage,
                        cb.error,
                        cb.error_note,
                        cb.detail,
                        cb.remote_addr,
                    )
                    for cb in rows
                ),
            ),
        )


@admin.register(Bid)
class BidAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["id", "auction", "bidder", "amount", "kind", "created_at", "removed_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["auction__id", "bidder__phone"]
    list_select_related = ["auction", "bidder"]
    readonly_fields = [f.name for f in Bid._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: removal goes through the service, with a reason

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("<int:pk>/remove/", self.admin_site.admin_view(self.remove_view), name="auctions_bid_remove"),
            *super().get_urls(),
        ]

    def remove_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("auctions.change_bid"):
            raise PermissionDenied
        bid = get_object_or_404(Bid, pk=pk)
        return reason_form_view(
            self.admin_site,
            request,
            obj=bid,
            title=_("Удаление ставки %(bid)s") % {"bid": bid},
            back=reverse("admin:auctions_auction_change", args=[bid.auction_id]),
            act=lambda reason: services.bid_remove(bid_id=pk, admin=request.user, reason=reason),  # type: ignore[arg-type]
            done=_("Ставка удалена; цена, лидер и окончание пересчитаны."),
        )


@admin.register(ClickTransaction)
class ClickTransactionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["id", "click_trans_id", "payment", "status", "amount_raw", "click_error", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["click_trans_id", "click_paydoc_id", "payment__merchant_trans_id"]
    readonly_fields = [f.name for f in ClickTransaction._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: changes go through the services


@admin.register(AuctionEvent)
class AuctionEventAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["created_at", "auction", "kind", "actor"]
    list_filter = ["kind", "created_at"]
    search_fields = ["auction__id", "actor__phone"]
    readonly_fields = [f.name for f in AuctionEvent._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


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


@admin.register(ClickInvoice)
class ClickInvoiceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["created_at", "payment", "phone_number", "invoice_id", "status", "click_status", "checked_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["payment__merchant_trans_id", "phone_number", "invoice_id"]
    list_select_related = ["payment"]
    readonly_fields = [f.name for f in ClickInvoice._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

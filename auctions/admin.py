from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from auctions import bidding, lifecycle
from auctions.errors import AuctionRuleError
from auctions.models import Auction, AuctionEvent, Bid, BidKind


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
        reason = request.POST.get("reason", "")
        try:
            if "\x00" in reason:  # PostgreSQL text cannot hold it (a 500 in the service's write)
                raise AuctionRuleError(_("Причина: недопустимый символ."), "invalid_reason")
            act(reason)
        except AuctionRuleError as exc:
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
    inlines = [BidInline, AuctionEventInline]

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
            act=lambda reason: lifecycle.auction_cancel(auction_id=pk, user=request.user, reason=reason),  # type: ignore[arg-type]
            done=_("Аукцион отменён."),
        )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # view only: changes go through the services


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
            act=lambda reason: bidding.bid_remove(bid_id=pk, admin=request.user, reason=reason),  # type: ignore[arg-type]
            done=_("Ставка удалена; цена, лидер и окончание пересчитаны."),
        )


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

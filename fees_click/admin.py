"""Click's extras on the fee's admin: invoices, Click's callbacks for a payment, and
"re-check with Click" (Merchant API)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from auctions.admin import NoDeleteMixin, ReadOnlyInline
from clickuz.models import ClickCallback
from fees.admin import AuctionPaymentAdmin
from fees.models import AuctionPayment
from fees_click.models import ClickInvoice
from fees_click.services import payment_reconcile


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


class AuctionPaymentClickAdmin(AuctionPaymentAdmin):
    readonly_fields = [*AuctionPaymentAdmin.readonly_fields, "callbacks"]
    inlines = [*AuctionPaymentAdmin.inlines, ClickInvoiceInline]
    actions = [recheck_with_click, *AuctionPaymentAdmin.actions]

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


admin.site.unregister(AuctionPayment)
admin.site.register(AuctionPayment, AuctionPaymentClickAdmin)


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

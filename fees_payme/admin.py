"""Payme on the fee's admin: the fee's Payme transactions and Payme's calls for it, and the
transactions list, a GetStatement-style view for reconciling with Payme's cabinet."""

from datetime import UTC, datetime

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from auctions.admin import NoDeleteMixin, ReadOnlyInline
from fees.models import AuctionPayment
from fees_payme.models import PaymeTransaction
from paymeuz.models import PaymeCall


def _ms(value: int) -> str:
    if not value:
        return "—"
    return timezone.localtime(datetime.fromtimestamp(value / 1000, tz=UTC)).strftime("%Y-%m-%d %H:%M:%S")


class PaymeTransactionInline(ReadOnlyInline):
    model = PaymeTransaction
    fk_name = "payment"
    fields = ["payme_id", "attempt", "state", "reason", "payme_time", "created", "performed", "cancelled", "amount"]
    readonly_fields = fields

    @admin.display(description=_("время Payme"))
    def payme_time(self, obj: PaymeTransaction) -> str:
        return _ms(obj.time)

    @admin.display(description=_("создана"))
    def created(self, obj: PaymeTransaction) -> str:
        return _ms(obj.create_time)

    @admin.display(description=_("проведена"))
    def performed(self, obj: PaymeTransaction) -> str:
        return _ms(obj.perform_time)

    @admin.display(description=_("отменена"))
    def cancelled(self, obj: PaymeTransaction) -> str:
        return _ms(obj.cancel_time)


_Base = type(admin.site._registry[AuctionPayment])  # the fee's admin, with whatever other gateways added


class AuctionPaymentPaymeAdmin(_Base):  # type: ignore[valid-type, misc]
    readonly_fields = [*_Base.readonly_fields, "payme_calls"]
    inlines = [*_Base.inlines, PaymeTransactionInline]

    @admin.display(description=_("вызовы Payme"))
    def payme_calls(self, obj: AuctionPayment) -> str:
        payme_ids = list(obj.payme_transactions.values_list("payme_id", flat=True))
        rows = PaymeCall.objects.filter(order_id=obj.merchant_trans_id) | PaymeCall.objects.filter(
            payme_id__in=payme_ids
        )
        rows = rows.order_by("created_at")[:50]
        if not rows:
            return _("Payme ещё не обращался по этой оплате.")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("время"),
            _("метод"),
            _("код"),
            _("причина"),
            _("адрес"),
            format_html_join(
                "",
                '<tr data-payme-call="{}"><td><a href="{}">{}</a></td>'
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        call.method,
                        reverse("admin:paymeuz_paymecall_change", args=[call.pk]),
                        timezone.localtime(call.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                        call.method,
                        call.error if call.error is not None else "ok",
                        call.detail,
                        call.remote_addr,
                    )
                    for call in rows
                ),
            ),
        )


admin.site.unregister(AuctionPayment)
admin.site.register(AuctionPayment, AuctionPaymentPaymeAdmin)


@admin.register(PaymeTransaction)
class PaymeTransactionAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Like Payme's GetStatement: every transaction by Payme's own `time`, any state."""

    list_display = ["payme_id", "payme_time", "order", "amount", "state", "reason", "performed", "cancelled"]
    list_filter = ["state"]
    search_fields = ["payme_id", "payment__merchant_trans_id"]
    list_select_related = ["payment"]
    ordering = ["-time"]
    readonly_fields = [f.name for f in PaymeTransaction._meta.fields]

    @admin.display(description=_("время Payme"), ordering="time")
    def payme_time(self, obj: PaymeTransaction) -> str:
        return _ms(obj.time)

    @admin.display(description=_("заказ"))
    def order(self, obj: PaymeTransaction) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:fees_auctionpayment_change", args=[obj.payment_id]),
            obj.payment.merchant_trans_id,
        )

    @admin.display(description=_("проведена"))
    def performed(self, obj: PaymeTransaction) -> str:
        return _ms(obj.perform_time)

    @admin.display(description=_("отменена"))
    def cancelled(self, obj: PaymeTransaction) -> str:
        return _ms(obj.cancel_time)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

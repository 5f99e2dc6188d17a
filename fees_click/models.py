"""Click-only records of the fee: invoices sent to the payer's Click app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fees.models import AuctionPayment


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

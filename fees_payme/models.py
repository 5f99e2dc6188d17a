"""Payme's transactions for the fee: what Payme sent and what we answered, kept so that every
repeat gets the stored result (merchant-api.md §5). Each is one PaymentAttempt of the fee."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fees.models import AuctionPayment, PaymentAttempt


class PaymeState(models.IntegerChoices):
    CREATED = 1, _("Создана (заказ удерживается)")
    PERFORMED = 2, _("Проведена (оплачено)")
    CANCELLED = -1, _("Отменена до проведения")
    CANCELLED_AFTER_PERFORM = -2, _("Отменена после проведения (возврат)")


class PaymeTransaction(models.Model):
    attempt = models.OneToOneField(
        PaymentAttempt, on_delete=models.PROTECT, related_name="payme", verbose_name=_("попытка оплаты")
    )
    payment = models.ForeignKey(
        AuctionPayment, on_delete=models.PROTECT, related_name="payme_transactions", verbose_name=_("оплата")
    )
    payme_id = models.CharField(_("id транзакции Payme"), max_length=64, unique=True)
    # As Payme sent them: its `time` (ms), the amount in tiyin, the account object.
    time = models.BigIntegerField(_("время Payme, мс"), db_index=True)
    amount = models.BigIntegerField(_("сумма, тийин"))
    account = models.JSONField(_("account"), default=dict)
    state = models.SmallIntegerField(_("состояние"), choices=PaymeState.choices, default=PaymeState.CREATED)
    reason = models.BigIntegerField(_("причина отмены"), null=True, blank=True)
    # Ours, in ms, set once; 0 while unset.
    create_time = models.BigIntegerField(_("создана, мс"))
    perform_time = models.BigIntegerField(_("проведена, мс"), default=0)
    cancel_time = models.BigIntegerField(_("отменена, мс"), default=0)
    fiscal_data = models.JSONField(_("фискальные данные"), default=dict, blank=True)

    class Meta:
        verbose_name = _("транзакция Payme")
        verbose_name_plural = _("транзакции Payme")
        ordering = ["-time", "-id"]
        constraints = [
            # One order has at most one state-1 transaction (merchant-api.md §4).
            models.UniqueConstraint(fields=["payment"], condition=Q(state=1), name="payme_one_created_per_payment"),
            models.CheckConstraint(condition=Q(state__in=[1, 2, -1, -2]), name="payme_state_known"),
        ]

    def __str__(self) -> str:
        return f"Payme {self.payme_id} ({self.state})"

    @property
    def transaction(self) -> str:
        """Our id of the transaction, as Payme is told it."""
        return str(self.attempt_id)

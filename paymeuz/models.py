from django.db import models
from django.utils.translation import gettext_lazy as _

# Payme's requests are small JSON objects: an unauthenticated one is never stored, and an
# authenticated one is kept up to this many bytes.
BODY_BYTES = 16 * 1024


KEY_MAX_CHARS = 255  # ChangePassword refuses a longer key with -32600


class PaymeCall(models.Model):
    """Every authenticated call that reached the Payme endpoint, stored before processing.

    Written outside the payment transaction, so it survives a rollback and answers "Payme
    performed it but nothing happened" from the admin. Calls that fail authentication are
    only logged (-32504: nothing else happens)."""

    method = models.CharField(_("метод"), max_length=40, blank=True, db_index=True)
    payme_id = models.CharField(_("id транзакции Payme"), max_length=64, blank=True, db_index=True)
    order_id = models.CharField(_("заказ"), max_length=64, blank=True, db_index=True)
    body = models.TextField(_("тело запроса"), blank=True)
    content_type = models.CharField(_("тип тела"), max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(_("адрес"), null=True, blank=True)
    response = models.JSONField(_("наш ответ"), null=True, blank=True)
    error = models.IntegerField(_("код ошибки"), null=True, blank=True, db_index=True)
    detail = models.CharField(_("причина"), max_length=255, blank=True)
    duration_ms = models.FloatField(_("время, мс"), null=True, blank=True)
    # The operator's own self-test (payme_doctor), not Payme's.
    is_probe = models.BooleanField(_("проверка оператора"), default=False, db_index=True)
    created_at = models.DateTimeField(_("получен"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("вызов Payme")
        verbose_name_plural = _("вызовы Payme")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.method or '?'} {self.payme_id or self.order_id or ''} → {self.error or 'ok'}"


class PaymeKeyChange(models.Model):
    """A key set by Payme's ChangePassword. It replaces the key from the settings whose SHA-256
    is `replaces`; once the operator sets another key in the environment, it no longer applies."""

    replaces = models.CharField(_("заменяет ключ (SHA-256)"), max_length=64, unique=True)
    key = models.CharField(_("ключ"), max_length=KEY_MAX_CHARS)
    changed_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("ключ Payme (ChangePassword)")
        verbose_name_plural = _("ключи Payme (ChangePassword)")

    def __str__(self) -> str:
        return f"{self.replaces[:12]}… ({self.changed_at:%Y-%m-%d %H:%M})"

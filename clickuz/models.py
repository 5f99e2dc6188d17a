from django.db import models
from django.utils.translation import gettext_lazy as _

from clickuz.errors import ClickError

# Click's requests are a dozen short fields (a few hundred bytes): an excerpt this long
# shows what an unsigned request was without storing what it carried.
BODY_EXCERPT_BYTES = 1024


class ClickCallback(models.Model):
    """Every request that reached a Click callback URL, stored before processing; our
    answer is added once it is known.

    Written outside the payment transaction, so it survives a rollback and
    answers "the payment went through but nothing happened" from the admin.
    Every request writes one: only the indexes the admin and the doctor look up by,
    and none on what the answer's update sets.
    """

    class Stage(models.TextChoices):
        PREPARE = "prepare", "Prepare"
        COMPLETE = "complete", "Complete"

    stage = models.CharField(_("этап"), max_length=8, choices=Stage.choices)
    method = models.CharField(_("метод"), max_length=10)
    content_type = models.CharField(_("тип тела"), max_length=200, blank=True)
    # The whole body of a signed request; of anything else, at most BODY_EXCERPT_BYTES
    # (anyone can post to these URLs: the log must not let them fill the disk).
    body = models.TextField(_("тело запроса"), blank=True)
    body_bytes = models.PositiveIntegerField(_("размер тела, байт"), null=True, blank=True)
    body_truncated = models.BooleanField(_("тело обрезано"), default=False)
    headers = models.JSONField(_("заголовки"), default=dict)
    remote_addr = models.GenericIPAddressField(_("адрес"), null=True, blank=True)
    merchant_trans_id = models.CharField(max_length=255, blank=True)
    click_trans_id = models.CharField(max_length=32, blank=True)
    response = models.JSONField(_("наш ответ"), null=True, blank=True)
    error = models.SmallIntegerField(_("код ошибки"), null=True, blank=True)
    detail = models.CharField(_("причина"), max_length=255, blank=True)
    duration_ms = models.FloatField(_("время, мс"), null=True, blank=True)
    # The operator's own test request (click_doctor, clickuz.probe), not Click's.
    is_probe = models.BooleanField(_("проверка оператора"), default=False)
    created_at = models.DateTimeField(_("получен"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("callback Click")
        verbose_name_plural = _("callbacks Click")
        ordering = ["-created_at", "-id"]
        # Plain b-trees: the ids are looked up whole, never by prefix (no `_like` twins on PostgreSQL).
        indexes = [
            models.Index(fields=["merchant_trans_id"], name="clickcallback_mtid"),
            models.Index(fields=["click_trans_id"], name="clickcallback_click_trans_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.merchant_trans_id or '?'} → {self.error}"

    @property
    def error_note(self) -> str:
        if self.error is None:
            return ""
        try:
            return ClickError(self.error).note
        except ValueError:
            return ""

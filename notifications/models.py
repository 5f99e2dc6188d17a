import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """Per-user opt-out, per channel. No row means every channel is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("e-mail"), default=True)
    telegram_enabled = models.BooleanField(_("Telegram"), default=True)
    sms_enabled = models.BooleanField(_("SMS"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("настройки уведомлений")
        verbose_name_plural = _("настройки уведомлений")

    def __str__(self) -> str:
        return str(self.user)


def telegram_link_token() -> str:
    return secrets.token_urlsafe(16)


class TelegramLink(models.Model):
    """A user's Telegram chat: the bot learns it from `/start <token>` sent through the deep link."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link")
    token = models.CharField(max_length=32, unique=True, default=telegram_link_token)
    chat_id = models.BigIntegerField(null=True, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("привязка Telegram")
        verbose_name_plural = _("привязки Telegram")

    def __str__(self) -> str:
        return f"{self.user} → {self.chat_id or '—'}"

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phone import phone_mask, phone_normalize


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, phone: str, password: str | None, **extra: Any) -> "User":
        user = self.model(phone=phone_normalize(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(phone, password, **extra)

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        # The operator creates it on the server on purpose (createsuperuser): no SMS round trip.
        extra.setdefault("phone_verified_at", timezone.now())
        return self._create_user(phone, password, **extra)


class User(AbstractUser):
    """A person on kvartirabar; signs in with a phone number."""

    username = None  # type: ignore[assignment]
    phone = models.CharField(_("телефон"), max_length=13, unique=True, help_text=_("В формате +998XXXXXXXXX."))
    first_name = models.CharField(_("имя"), max_length=150, blank=True)
    # The language e-mail, SMS and Telegram messages are written in: the one last picked on the site.
    language = models.CharField(_("язык"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    # Set when the owner of the number typed the code we sent to it (accounts.services.phone_code_verify).
    # Until then the account may not publish, bid or pay (accounts.rules.user_phone_confirmed).
    phone_verified_at = models.DateTimeField(_("номер подтверждён"), null=True, blank=True)

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.get_full_name() or self.phone

    @property
    def display_name(self) -> str:
        return self.first_name or phone_mask(self.phone)

    @property
    def phone_confirmed(self) -> bool:
        return self.phone_verified_at is not None

    @property
    def masked_phone(self) -> str:
        return phone_mask(self.phone)


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS; only its keyed hash is stored."""

    phone = models.CharField(_("телефон"), max_length=13, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS-код")
        verbose_name_plural = _("SMS-коды")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{phone_mask(self.phone)} {self.created_at:%Y-%m-%d %H:%M}"

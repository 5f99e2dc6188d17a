from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    TASHKENT_CITY = "tashkent_city", _("Ташкент")
    TASHKENT = "tashkent", _("Ташкентская область")
    ANDIJAN = "andijan", _("Андижанская область")
    BUKHARA = "bukhara", _("Бухарская область")
    FERGANA = "fergana", _("Ферганская область")
    JIZZAKH = "jizzakh", _("Джизакская область")
    KASHKADARYA = "kashkadarya", _("Кашкадарьинская область")
    KHOREZM = "khorezm", _("Хорезмская область")
    NAMANGAN = "namangan", _("Наманганская область")
    NAVOI = "navoi", _("Навоийская область")
    SAMARKAND = "samarkand", _("Самаркандская область")
    SURKHANDARYA = "surkhandarya", _("Сурхандарьинская область")
    SYRDARYA = "syrdarya", _("Сырдарьинская область")
    KARAKALPAKSTAN = "karakalpakstan", _("Республика Каракалпакстан")


class Currency(models.TextChoices):
    UZS = "UZS", _("сум")
    USD = "USD", "$"


class Listing(models.Model):
    """An apartment offered for sale."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings", verbose_name=_("продавец")
    )
    title = models.CharField(_("заголовок"), max_length=140)
    description = models.TextField(_("описание"), blank=True)
    region = models.CharField(_("регион"), max_length=32, choices=Region.choices, default=Region.TASHKENT_CITY)
    district = models.CharField(_("район"), max_length=80)
    address = models.CharField(_("адрес"), max_length=200)
    rooms = models.PositiveSmallIntegerField(_("комнат"), validators=[MinValueValidator(1), MaxValueValidator(20)])
    area = models.DecimalField(
        _("площадь, м²"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("5"))]
    )
    floor = models.PositiveSmallIntegerField(_("этаж"), validators=[MinValueValidator(1)])
    floors_total = models.PositiveSmallIntegerField(_("этажей в доме"), validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("цена"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    currency = models.CharField(_("валюта"), max_length=3, choices=Currency.choices, default=Currency.UZS)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("объявление")
        verbose_name_plural = _("объявления")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(floor__lte=F("floors_total")), name="listing_floor_within_building"),
            models.CheckConstraint(condition=Q(price__gt=0), name="listing_price_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("listings:detail", args=[self.pk])

    @property
    def cover(self) -> "ListingPhoto | None":
        photos = list(self.photos.all())
        return photos[0] if photos else None


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("фото"), upload_to="listings/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("фото")
        verbose_name_plural = _("фото")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name

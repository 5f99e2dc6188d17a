from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

DESCRIPTION_MAX_CHARS = 5000
# Uzbekistan within a margin (37.18–45.59 N, 55.99–73.14 E): a point outside is a slip of the map.
LATITUDE_BOUNDS = (Decimal("37"), Decimal("46"))
LONGITUDE_BOUNDS = (Decimal("55"), Decimal("74"))


class LocalizedName(models.Model):
    """Names in the three site languages; `name` follows the active language."""

    name_ru = models.CharField(_("название (рус.)"), max_length=80)
    name_uz = models.CharField(_("название (узб.)"), max_length=80)
    name_en = models.CharField(_("название (англ.)"), max_length=80)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        return str(getattr(self, f"name_{language}", "") or self.name_ru)


class Region(LocalizedName):
    """One of Uzbekistan's 14 top-level regions (shipped by a data migration)."""

    TASHKENT_CITY = "tashkent_city"

    code = models.CharField(_("код"), max_length=32, primary_key=True)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        ordering = ["position", "code"]


class District(LocalizedName):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts", verbose_name=_("регион"))
    slug = models.SlugField(_("код"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("район")
        verbose_name_plural = _("районы")
        ordering = ["region__position", "name_ru"]


class Currency(models.TextChoices):
    UZS = "UZS", _("сум")
    USD = "USD", "$"


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    REVIEW = "review", _("На проверке")
    PUBLISHED = "published", _("Опубликовано")
    REJECTED = "rejected", _("Отклонено")
    # Sold (its auction sold, or the seller marked it): public with a "sold" mark, out of search.
    SOLD = "sold", _("Продано")
    # Taken down by the seller: only they see it, and may put it up again.
    ARCHIVED = "archived", _("В архиве")


# The public catalogue (listings.selectors.listings_public_q), the condition of the search indexes.
PUBLIC = Q(status=ListingStatus.PUBLISHED, operator_test=False)

# Shown to everyone (a sold flat keeps its page, with the mark and the price).
LISTING_VISIBLE_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.SOLD)


# Auction status values that listings' own rules and search need. Listings sits below auctions and may
# not import it, so the values are written here once; auctions.models.AuctionStatus is built from them.
AUCTION_PENDING_PAYMENT = "pending_payment"
AUCTION_SCHEDULED = "scheduled"
AUCTION_ACTIVE = "active"
# Open: a listing with such an auction may not be edited or rejected. Running: shown on search cards.
AUCTION_OPEN_STATUSES = (AUCTION_PENDING_PAYMENT, AUCTION_SCHEDULED, AUCTION_ACTIVE)
AUCTION_RUNNING_STATUSES = (AUCTION_SCHEDULED, AUCTION_ACTIVE)


class BuildingType(models.TextChoices):
    PANEL = "panel", _("Панельный")
    BRICK = "brick", _("Кирпичный")
    MONOLITH = "monolith", _("Монолитный")
    BLOCK = "block", _("Блочный")
    OTHER = "other", _("Другой")


class Renovation(models.TextChoices):
    NONE = "none", _("Без ремонта")
    SHELL = "shell", _("Коробка")
    COSMETIC = "cosmetic", _("Косметический")
    EURO = "euro", _("Евроремонт")
    DESIGNER = "designer", _("Дизайнерский")


class Market(models.TextChoices):
    RESALE = "resale", _("Вторичка")
    NEW = "new", _("Новостройка")


class Amenity(models.TextChoices):
    BALCONY = "balcony", _("Балкон")
    ELEVATOR = "elevator", _("Лифт")
    PARKING = "parking", _("Парковка")
    FURNITURE = "furniture", _("Мебель")
    APPLIANCES = "appliances", _("Бытовая техника")
    AIR_CONDITIONING = "air_conditioning", _("Кондиционер")
    GAS = "gas", _("Газ")
    INTERNET = "internet", _("Интернет")
    SECURITY = "security", _("Охрана")
    PLAYGROUND = "playground", _("Детская площадка")


# The fields a seller fills in, in form order: the listing form, the listings service
# and the API serializer all use this one list.
LISTING_SELLER_FIELDS = (
    "title",
    "region",
    "district",
    "address",
    "latitude",
    "longitude",
    "rooms",
    "area",
    "living_area",
    "kitchen_area",
    "floor",
    "floors_total",
    "building_type",
    "year_built",
    "renovation",
    "market",
    "amenities",
    "price",
    "currency",
    "description",
)


class Listing(models.Model):
    """An apartment offered for sale. Written through listings.services."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings", verbose_name=_("продавец")
    )
    status = models.CharField(
        _("статус"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(_("причина отклонения"), max_length=2000, blank=True)
    title = models.CharField(_("заголовок"), max_length=140)
    # Forms and the admin enforce the limit (a page of text; PostgreSQL's tsvector refuses ~1 MB).
    description = models.TextField(_("описание"), max_length=DESCRIPTION_MAX_CHARS, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        default=Region.TASHKENT_CITY,
        related_name="listings",
        verbose_name=_("регион"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listings",
        verbose_name=_("район"),
    )
    address = models.CharField(_("адрес"), max_length=200)
    latitude = models.DecimalField(
        _("широта"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(LATITUDE_BOUNDS[0]), MaxValueValidator(LATITUDE_BOUNDS[1])],
    )
    longitude = models.DecimalField(
        _("долгота"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(LONGITUDE_BOUNDS[0]), MaxValueValidator(LONGITUDE_BOUNDS[1])],
    )
    rooms = models.PositiveSmallIntegerField(
        _("комнат"), validators=[MaxValueValidator(20)], help_text=_("0 — студия.")
    )
    area = models.DecimalField(
        _("общая площадь, м²"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("5"))]
    )
    living_area = models.DecimalField(
        _("жилая площадь, м²"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
    )
    kitchen_area = models.DecimalField(
        _("площадь кухни, м²"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1"))],
    )
    floor = models.PositiveSmallIntegerField(_("этаж"), validators=[MinValueValidator(1)])
    floors_total = models.PositiveSmallIntegerField(_("этажей в доме"), validators=[MinValueValidator(1)])
    building_type = models.CharField(_("тип дома"), max_length=16, choices=BuildingType.choices, blank=True)
    year_built = models.PositiveSmallIntegerField(
        _("год постройки"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2035)]
    )
    renovation = models.CharField(_("ремонт"), max_length=16, choices=Renovation.choices, blank=True)
    market = models.CharField(_("рынок"), max_length=8, choices=Market.choices, default=Market.RESALE)
    amenities = models.JSONField(_("удобства"), default=list, blank=True)
    price = models.DecimalField(
        _("цена"), max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    currency = models.CharField(_("валюта"), max_length=3, choices=Currency.choices, default=Currency.UZS)
    # Derived at write time by listings.services (USD at settings.USD_UZS_RATE) so that
    # filters and sorting compare one currency; `listings_reprice` refreshes them.
    price_uzs = models.DecimalField(_("цена в сумах"), max_digits=18, decimal_places=2, null=True, blank=True)
    price_per_m2_uzs = models.DecimalField(
        _("цена за м² в сумах"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    views_count = models.PositiveIntegerField(_("просмотров"), default=0)
    sold_at = models.DateTimeField(_("продано"), null=True, blank=True)
    # In soums: the auction's final price, or what the seller said when marking it sold (optional).
    sold_price = models.DecimalField(_("цена продажи, сум"), max_digits=16, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("отправлено на проверку"), null=True, blank=True)
    published_at = models.DateTimeField(_("опубликовано"), null=True, blank=True)
    # The operator's own test object (click_test_order, click_doctor): never shown to the public, never notified.
    operator_test = models.BooleanField(_("тест оператора"), default=False, editable=False)
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
        indexes = [
            # The catalogue's orders (listings.selectors.listings_search), each over the public rows only
            # (listings_public_q): a page is read in order from the index, the count stops at its cap.
            models.Index(F("created_at").desc(), F("id").desc(), name="listing_public_newest", condition=PUBLIC),
            # ASC is NULLS LAST on PostgreSQL, as the search orders; the DESC NULLS LAST twins are
            # PostgreSQL-only (SQLite has no NULLS LAST in an index): migration 0011 creates them.
            models.Index(F("price_uzs").asc(), F("id").desc(), name="listing_public_price", condition=PUBLIC),
            models.Index(F("price_per_m2_uzs").asc(), F("id").desc(), name="listing_public_m2", condition=PUBLIC),
            models.Index(fields=["status", "region", "district", "rooms"], name="listing_status_place_rooms"),
            # A region and rooms (by price), a district and a price range: the search form's most common pairs.
            models.Index(fields=["region", "rooms", "price_uzs"], name="listing_public_region_rooms", condition=PUBLIC),
            models.Index(fields=["district", "price_uzs"], name="listing_public_district_price", condition=PUBLIC),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("listings:detail", args=[self.pk])

    @property
    def location(self) -> str:
        return ", ".join(str(part) for part in (self.region, self.district) if part)

    @property
    def is_public(self) -> bool:
        return self.status == ListingStatus.PUBLISHED

    def amenity_labels(self) -> list[str]:
        labels = dict(Amenity.choices)
        return [str(labels[code]) for code in self.amenities if code in labels]

    @property
    def cover(self) -> "ListingPhoto | None":
        photos = list(self.photos.all())
        return photos[0] if photos else None


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("фото"), upload_to="listings/%Y/%m/")
    thumbnail = models.ImageField(_("миниатюра"), upload_to="listings/thumbs/%Y/%m/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("фото")
        verbose_name_plural = _("фото")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name

    @property
    def thumb_url(self) -> str:
        return (self.thumbnail or self.image).url


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("избранное")
        verbose_name_plural = _("избранное")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "listing"], name="favorite_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.listing_id}"


class ListingPhotoDraft(models.Model):
    """A photo a seller uploaded with a listing form that was refused (a missing field): kept, already
    checked and re-encoded, so the corrected form need not upload it again. Attached to the listing
    when the form goes through; listings.services.photo_drafts_purge removes forgotten ones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photo_drafts")
    image = models.ImageField(_("фото"), upload_to="listings/%Y/%m/")
    thumbnail = models.ImageField(_("миниатюра"), upload_to="listings/thumbs/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("загруженное фото")
        verbose_name_plural = _("загруженные фото")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name

"""Writes to listings: create/edit, moderation, photos, favorites, views."""

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from listings.models import (
    AUCTION_OPEN_STATUSES,
    LISTING_SELLER_FIELDS,
    Currency,
    Favorite,
    Listing,
    ListingPhoto,
    ListingStatus,
)

MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_SIDE = 2000
THUMB_SIZE = (640, 480)

EDITABLE_FIELDS = frozenset(LISTING_SELLER_FIELDS)


def listing_prices(*, price: Decimal, currency: str, area: Decimal) -> tuple[Decimal, Decimal | None]:
    """(price in soums, price per m² in soums) — what search filters and sorts on."""
    rate = Decimal(settings.USD_UZS_RATE)
    price_uzs = (price * rate if currency == Currency.USD else price).quantize(Decimal("0.01"))
    per_m2 = (price_uzs / area).quantize(Decimal("1")) if area else None
    return price_uzs, per_m2


def _fill_prices(listing: Listing) -> None:
    if listing.price is not None and listing.area is not None:
        listing.price_uzs, listing.price_per_m2_uzs = listing_prices(
            price=Decimal(listing.price), currency=listing.currency, area=Decimal(listing.area)
        )


def photo_prepare(upload: UploadedFile) -> tuple[ContentFile, ContentFile]:
    """Validate an uploaded photo; return (re-encoded image without EXIF, thumbnail).

    Only JPEG, PNG and WebP up to 5 MB; the file is decoded, turned upright by
    its EXIF orientation and re-encoded, which drops EXIF (GPS position, camera).
    """
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("Фото %(name)s больше 5 МБ."), params={"name": upload.name}, code="photo_too_big")
    try:
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        image_format = image.format or ""
        if image_format not in PHOTO_FORMATS:
            raise ValidationError(
                _("Фото %(name)s: поддерживаются JPEG, PNG и WebP."), params={"name": upload.name}, code="photo_type"
            )
        if image.width * image.height > MAX_PHOTO_PIXELS:
            raise ValidationError(
                _("Фото %(name)s слишком большое по размеру."), params={"name": upload.name}, code="photo_pixels"
            )
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("Файл %(name)s не похож на фото."), params={"name": upload.name}, code="photo_invalid"
        ) from exc
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    full = io.BytesIO()
    image.save(full, format="JPEG", quality=86, optimize=True)  # no exif= argument: metadata is dropped
    thumb = ImageOps.fit(image, THUMB_SIZE)
    small = io.BytesIO()
    thumb.save(small, format="JPEG", quality=80, optimize=True)
    return ContentFile(full.getvalue(), name="photo.jpg"), ContentFile(small.getvalue(), name="thumb.jpg")


def _photos_add(*, listing: Listing, photos: Sequence[UploadedFile]) -> None:
    existing = listing.photos.count()
    if existing + len(photos) > MAX_PHOTOS:
        raise ValidationError(_("Не больше %(n)s фото."), params={"n": MAX_PHOTOS}, code="too_many_photos")
    prepared = [photo_prepare(photo) for photo in photos]
    last = listing.photos.order_by("-position").values_list("position", flat=True).first()
    start = 0 if last is None else last + 1
    for offset, (image, thumb) in enumerate(prepared):
        ListingPhoto.objects.create(listing=listing, image=image, thumbnail=thumb, position=start + offset)


def _status_after_edit() -> str:
    return ListingStatus.PUBLISHED if settings.LISTINGS_AUTO_APPROVE else ListingStatus.REVIEW


def _mark_submitted(listing: Listing) -> None:
    now = timezone.now()
    listing.status = _status_after_edit()
    listing.submitted_at = now
    listing.rejection_reason = ""
    if listing.status == ListingStatus.PUBLISHED:
        listing.published_at = listing.published_at or now


def listing_create(
    *,
    seller: User,
    photos: Sequence[UploadedFile] = (),
    submit: bool = True,
    operator_test: bool = False,
    **fields: Any,
) -> Listing:
    """A new listing: sent to moderation (or published when auto-approval is on) unless submit=False.

    operator_test=True publishes at once, yet the listing stays out of every public read and its
    auctions send no notifications: only for the operator's own test objects (Click's certification
    tester, click_doctor's self-test), never for a seller's listing.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    with transaction.atomic():
        listing = Listing(seller=seller, **fields)
        _fill_prices(listing)
        if submit:
            _mark_submitted(listing)
        if operator_test:
            listing.operator_test = True  # hidden from every public read (listings/auctions selectors)
            listing.status = ListingStatus.PUBLISHED
            listing.published_at = timezone.now()
        listing.full_clean()
        listing.save()
        _photos_add(listing=listing, photos=photos)
    return listing


def listing_update(*, listing: Listing, user: User, photos: Sequence[UploadedFile] = (), **fields: Any) -> Listing:
    """The seller edits a listing; a published or rejected listing goes back to moderation."""
    if listing.seller_id != user.pk:
        raise PermissionDenied
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.auctions.filter(status__in=AUCTION_OPEN_STATUSES).exists():
            # Buyers bid on what they saw: no bait-and-switch while an auction is open, and a listing
            # with an open auction stays published (an edit would send it back to moderation).
            raise ValidationError(
                _("Пока у объявления открыт аукцион, менять его нельзя. Неоплаченный аукцион можно отменить."),
                code="auction_running",
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _fill_prices(locked)
        if locked.status not in (ListingStatus.DRAFT, ListingStatus.SOLD, ListingStatus.ARCHIVED):
            _mark_submitted(locked)  # a sold or archived flat stays so: "relist" puts it up again
        locked.full_clean()
        locked.save()
        _photos_add(listing=locked, photos=photos)
    return locked


def listing_submit(*, listing: Listing, user: User) -> Listing:
    if listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status not in (ListingStatus.DRAFT, ListingStatus.REJECTED):
            raise ValidationError(_("Объявление уже отправлено."), code="already_submitted")
        _mark_submitted(locked)
        locked.save()
    return locked


def _moderator_check(user: User) -> None:
    if not (user.is_staff and user.has_perm("listings.change_listing")):
        raise PermissionDenied


def listing_approve(*, listing: Listing, moderator: User) -> Listing:
    _moderator_check(moderator)
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status != ListingStatus.REVIEW:
            raise ValidationError(_("Проверять можно только объявления на проверке."), code="not_on_review")
        locked.status = ListingStatus.PUBLISHED
        locked.rejection_reason = ""
        locked.published_at = locked.published_at or timezone.now()
        locked.save(update_fields=["status", "rejection_reason", "published_at", "updated_at"])
    return locked


def listing_reject(*, listing: Listing, moderator: User, reason: str) -> Listing:
    _moderator_check(moderator)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Укажите причину, чтобы продавец мог её исправить."), code="reason_required")
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status not in (ListingStatus.REVIEW, ListingStatus.PUBLISHED):
            raise ValidationError(_("Проверять можно только объявления на проверке."), code="not_on_review")
        if locked.auctions.filter(status__in=AUCTION_OPEN_STATUSES).exists():
            # Bidders are on it: the auction is cancelled first (admin, with a reason; the fee is refunded).
            raise ValidationError(
                _("У объявления открытый аукцион: сначала отмените его в админке."), code="auction_open"
            )
        locked.status = ListingStatus.REJECTED
        locked.rejection_reason = reason
        locked.save(update_fields=["status", "rejection_reason", "updated_at"])
    return locked


def listing_photo_make_cover(*, photo: ListingPhoto, user: User) -> None:
    """Move the photo to the first place; the others keep their order."""
    if photo.listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        Listing.objects.select_for_update().get(pk=photo.listing_id)
        others = list(ListingPhoto.objects.filter(listing_id=photo.listing_id).exclude(pk=photo.pk))
        ListingPhoto.objects.filter(pk=photo.pk).update(position=0)
        for position, other in enumerate(others, start=1):
            ListingPhoto.objects.filter(pk=other.pk).update(position=position)


def listing_photo_move(*, photo: ListingPhoto, user: User, step: int) -> None:
    """Move a photo one place earlier (step=-1) or later (step=1); positions are renumbered 0..n-1."""
    if photo.listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        Listing.objects.select_for_update().get(pk=photo.listing_id)
        photos = list(ListingPhoto.objects.filter(listing_id=photo.listing_id).order_by("position", "id"))
        index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
        target = max(0, min(len(photos) - 1, index + (1 if step > 0 else -1)))
        photos.insert(target, photos.pop(index))
        for position, item in enumerate(photos):
            if item.position != position:
                ListingPhoto.objects.filter(pk=item.pk).update(position=position)


def listing_photo_delete(*, photo: ListingPhoto, user: User) -> None:
    if photo.listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        photo.delete()
    transaction.on_commit(lambda: (photo.image.delete(save=False), photo.thumbnail.delete(save=False)))


def _open_auction_refuse(listing: Listing) -> None:
    if listing.auctions.filter(status__in=AUCTION_OPEN_STATUSES).exists():
        raise ValidationError(
            _("У объявления открыт аукцион: дождитесь его окончания или отмените неоплаченный аукцион."),
            code="auction_open",
        )


def listing_mark_sold(*, listing: Listing, user: User, price: Decimal | None = None) -> Listing:
    """The seller sold the flat (outside an auction): it leaves search and shows as sold."""
    if listing.seller_id != user.pk:
        raise PermissionDenied
    if price is not None and price <= 0:
        raise ValidationError(_("Цена продажи должна быть больше нуля."), code="bad_price")
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status != ListingStatus.PUBLISHED:
            raise ValidationError(_("Проданной можно отметить только опубликованную квартиру."), code="not_published")
        _open_auction_refuse(locked)
        locked.status = ListingStatus.SOLD
        locked.sold_at = timezone.now()
        locked.sold_price = price
        locked.save(update_fields=["status", "sold_at", "sold_price", "updated_at"])
    return locked


def listing_sold_by_auction(*, listing_id: int, price: Decimal | None, now: datetime) -> None:
    """Its auction sold the flat: called by the auction's close, in its transaction (auction row locked
    first, then this row: no path locks them the other way round)."""
    Listing.objects.filter(pk=listing_id).update(
        status=ListingStatus.SOLD, sold_at=now, sold_price=price, updated_at=now
    )


def listing_archive(*, listing: Listing, user: User) -> Listing:
    """The seller takes the flat down: only they see it, until they put it up again."""
    if listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status == ListingStatus.ARCHIVED:
            return locked
        _open_auction_refuse(locked)
        locked.status = ListingStatus.ARCHIVED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def listing_relist(*, listing: Listing, user: User) -> Listing:
    """Put a sold or archived flat up for sale again (through moderation unless auto-approval is on)."""
    if listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status not in (ListingStatus.SOLD, ListingStatus.ARCHIVED):
            raise ValidationError(_("Снова выставить можно проданную или архивную квартиру."), code="not_relistable")
        _mark_submitted(locked)
        locked.sold_at = None
        locked.sold_price = None
        locked.save()
    return locked


def listing_view_register(*, listing_id: int) -> None:
    Listing.objects.filter(pk=listing_id).update(views_count=F("views_count") + 1)


def favorite_add(*, user: User, listing_id: int) -> None:
    """Idempotent: two requests at once leave one favourite (the unique constraint decides)."""
    try:
        with transaction.atomic():
            Favorite.objects.create(user=user, listing_id=listing_id)
    except IntegrityError:
        pass  # already a favourite


def favorite_remove(*, user: User, listing_id: int) -> bool:
    """Idempotent; True when a favourite was removed."""
    deleted, _rows = Favorite.objects.filter(user=user, listing_id=listing_id).delete()
    return bool(deleted)


def favorite_toggle(*, user: User, listing_id: int) -> bool:
    """The site's star button: add or remove; True when the listing is now a favourite."""
    if favorite_remove(user=user, listing_id=listing_id):
        return False
    favorite_add(user=user, listing_id=listing_id)
    return True


def listings_reprice() -> int:
    """Recompute soum prices of dollar listings after USD_UZS_RATE changes."""
    count = 0
    for listing in Listing.objects.filter(currency=Currency.USD).iterator():
        _fill_prices(listing)
        listing.save(update_fields=["price_uzs", "price_per_m2_uzs"])
        count += 1
    return count

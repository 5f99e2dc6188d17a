"""Writes to listings: create/edit, moderation, photos, favorites, views."""

import io
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import DecimalValidator
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from accounts.rules import PHONE_UNCONFIRMED, phone_unconfirmed_message, user_phone_confirmed
from core.formatting import format_amount
from core.ratelimit import Limit, rate_limit_take
from listings.models import (
    LISTING_SELLER_FIELDS,
    Currency,
    Favorite,
    Listing,
    ListingPhoto,
    ListingPhotoDraft,
    ListingStatus,
)
from listings.selectors import listing_has_open_auction

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # by the file's header, before anything is decoded
# One photo's decoded bitmap (after JPEG's draft decoding at a reduced scale), plus its RGB copy for
# a photo with transparency or a palette: the memory a photo may take while it is re-encoded
# (bench/uploads.py measures it). A phone's JPEG decodes at 1/2 or 1/4 scale and fits; a PNG or
# WebP is decoded whole: up to about 14 megapixels (RGB) or 6 megapixels (RGBA).
PHOTO_DECODE_BYTES_MAX = 40 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_SIDE = 2000
THUMB_SIZE = (640, 480)
HOUR = 3600
_PHOTO_SLOT = threading.Lock()

EDITABLE_FIELDS = frozenset(LISTING_SELLER_FIELDS)


def listing_prices(*, price: Decimal, currency: str, area: Decimal) -> tuple[Decimal, Decimal | None]:
    """(price in soums, price per m² in soums) — what search filters and sorts on."""
    rate = Decimal(settings.USD_UZS_RATE)
    price_uzs = (price * rate if currency == Currency.USD else price).quantize(Decimal("0.01"))
    per_m2 = (price_uzs / area).quantize(Decimal("1")) if area else None
    return price_uzs, per_m2


# Significant digits a stored price may have. SQLite's decimal converter keeps 15 (a float's): a
# longer value came back rounded up past its column (10^14 in a 16-digit one) and every read of the
# row raised InvalidOperation. 10^13 soums is far above any flat's price; PostgreSQL keeps the same rule.
PRICE_DIGITS = 15


def listing_prices_check(*, price: Decimal, currency: str, area: Decimal | None) -> None:
    """The soum prices derived from a price must fit their columns (a huge dollar price overflows
    them): a ValidationError on `price` if not. The bounds come from the fields' definitions."""
    price_uzs, per_m2 = listing_prices(price=price, currency=currency, area=area or Decimal(0))
    for name, value in (("price", price), ("price_uzs", price_uzs), ("price_per_m2_uzs", per_m2)):
        field = Listing._meta.get_field(name)
        if value is None or not isinstance(field, DecimalField):
            continue
        try:
            DecimalValidator(min(field.max_digits, PRICE_DIGITS), field.decimal_places)(value)
        except ValidationError as exc:
            most = Decimal(10) ** (min(field.max_digits, PRICE_DIGITS) - field.decimal_places) - 1
            if currency == Currency.USD:
                most = (most / Decimal(settings.USD_UZS_RATE)).quantize(Decimal(1), rounding=ROUND_FLOOR)
            raise ValidationError(
                _("Цена слишком большая: не больше %(most)s %(currency)s."),
                code="price_too_large",
                params={"most": format_amount(most), "currency": "$" if currency == Currency.USD else _("сум")},
            ) from exc


def _fill_prices(listing: Listing) -> None:
    if listing.price is not None and listing.area is not None:
        listing_prices_check(price=Decimal(listing.price), currency=listing.currency, area=Decimal(listing.area))
        listing.price_uzs, listing.price_per_m2_uzs = listing_prices(
            price=Decimal(listing.price), currency=listing.currency, area=Decimal(listing.area)
        )


# What a refusal of one file says (not of the request: its count, pixel budget or rate), here and
# in the form's own first check (listings.forms.MultiplePhotoField).
PHOTO_TOO_BIG = gettext_lazy("Фото %(name)s больше 5 МБ.")
NOT_A_PHOTO = gettext_lazy("Файл %(name)s не похож на фото.")


class PhotosRefused(ValidationError):
    """A save refused because some of its files are not photos we take (each named in the error
    list). The save's other photos were prepared all the same and are kept as the seller's drafts
    (`drafts`, the ones the form carried first), so the corrected form need not upload them again:
    the uploads themselves are spent (read and closed) by then."""

    def __init__(self, refused: list[ValidationError], *, drafts: list["ListingPhotoDraft"]) -> None:
        # One file refused: that file's error itself (message, code, params); several: their list,
        # coded as the first one's (each is a photo_refused() code).
        super().__init__(refused[0] if len(refused) == 1 else refused)
        if len(refused) > 1:
            self.code = refused[0].code
        self.drafts = drafts


def photo_refused(upload: Any, message: "str | StrPromise", code: str) -> ValidationError:
    """One file refused, named in the message."""
    return ValidationError(message, params={"name": upload.name}, code=code)


def _decode_target(width: int, height: int) -> tuple[int, int]:
    """The size the photo is stored at: within PHOTO_MAX_SIDE × PHOTO_MAX_SIDE, never enlarged."""
    scale = min(1.0, PHOTO_MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode_cost(image: Image.Image) -> int:
    """Bytes the decoded bitmap takes, plus its RGB copy when it is in another mode (alpha, palette)."""
    pixels = image.width * image.height
    per_band = 2 if image.mode.startswith("I;16") else (4 if image.mode in ("I", "F") else 1)
    decoded = pixels * len(image.getbands()) * per_band
    return decoded if image.mode in ("RGB", "L") else decoded + pixels * 3


def _photo_open(upload: UploadedFile) -> Image.Image:
    """Open a photo without decoding it: format, header size and the decode cost are checked here.

    A JPEG is set to decode at the smallest DCT scale (1/2, 1/4, 1/8) still at least the stored
    size (Pillow's draft), so a phone's 12-48 megapixel photo decodes as 2-3 megapixels.
    """
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise photo_refused(upload, PHOTO_TOO_BIG, "photo_too_big")
    try:
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        image_format = image.format or ""
        if image_format not in PHOTO_FORMATS:
            raise photo_refused(upload, _("Фото %(name)s: поддерживаются JPEG, PNG и WebP."), "photo_type")
        if image.width * image.height > MAX_PHOTO_PIXELS:
            raise photo_refused(upload, _("Фото %(name)s слишком большое по размеру."), "photo_pixels")
        if image_format == "JPEG":
            image.draft("RGB", _decode_target(image.width, image.height))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise photo_refused(upload, NOT_A_PHOTO, "photo_invalid") from exc
    if _decode_cost(image) > PHOTO_DECODE_BYTES_MAX:
        image.close()
        raise photo_refused(
            upload,
            _("Фото %(name)s слишком большое для PNG или WebP: сохраните его в JPEG или уменьшите."),
            "photo_pixels",
        )
    return image


def _photo_encode(upload: UploadedFile, image: Image.Image) -> tuple[ContentFile, ContentFile]:
    """Decode, turn upright by EXIF, shrink and re-encode as JPEG (which drops EXIF: GPS, camera)."""
    try:
        image.load()
        if image.mode not in ("RGB", "L"):
            # The stored JPEG has no alpha anyway: drop it before resizing (faster, a third less memory).
            converted = image.convert("RGB")
            image.close()
            image = converted
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise photo_refused(upload, NOT_A_PHOTO, "photo_invalid") from exc
    image = ImageOps.exif_transpose(image) or image
    image = image.convert("RGB")
    full = io.BytesIO()
    image.save(full, format="JPEG", quality=86, optimize=True)  # no exif= argument: metadata is dropped
    thumb = ImageOps.fit(image, THUMB_SIZE)
    small = io.BytesIO()
    thumb.save(small, format="JPEG", quality=80, optimize=True)
    return ContentFile(full.getvalue(), name="photo.jpg"), ContentFile(small.getvalue(), name="thumb.jpg")


def photo_prepare(upload: UploadedFile) -> tuple[ContentFile, ContentFile]:
    """Validate an uploaded photo; return (re-encoded image without EXIF, thumbnail)."""
    return photos_prepare([upload])[0]


def photos_prepare(
    uploads: Sequence[UploadedFile], *, refused: list[ValidationError] | None = None
) -> list[tuple[ContentFile, ContentFile]]:
    """Validate and re-encode the photos of one request, one at a time.

    Only JPEG, PNG and WebP up to 5 MB each. Every header is checked before anything is decoded,
    and together the photos may decode to at most PHOTO_REQUEST_PIXEL_BUDGET pixels (after JPEG's
    reduced-scale decoding): one request's time and memory stay bounded whatever it carries.
    A file that is refused refuses them all, unless `refused` is given: then its error goes there
    and the others are prepared (photos kept from a refused form).
    """
    if not uploads:
        return []
    opened: list[tuple[UploadedFile, Image.Image]] = []

    def refuse(exc: ValidationError) -> None:
        if refused is None:
            raise exc
        refused.append(exc)

    try:
        for upload in uploads:
            try:
                opened.append((upload, _photo_open(upload)))
            except ValidationError as exc:
                refuse(exc)
        decoded = sum(image.width * image.height for _upload, image in opened)
        if 0 < settings.PHOTO_REQUEST_PIXEL_BUDGET < decoded:
            raise ValidationError(
                _("Слишком много больших фото за один раз: загрузите часть сейчас, остальные — при редактировании."),
                code="photo_budget",
            )
        # One request decodes at a time per process (the ASGI server runs requests in parallel threads):
        # a worker's memory stays bounded, and a request that waits too long is told to retry.
        if not _PHOTO_SLOT.acquire(timeout=settings.PHOTO_PROCESSING_WAIT_SECONDS):
            raise ValidationError(_("Сейчас загружается много фото. Повторите через минуту."), code="photo_busy")
        try:
            prepared = []
            for upload, image in opened:
                try:
                    prepared.append(_photo_encode(upload, image))
                except ValidationError as exc:
                    refuse(exc)
                image.close()  # the decoded bitmap goes before the next one is decoded
        finally:
            _PHOTO_SLOT.release()
        return prepared
    finally:
        for _upload, image in opened:
            image.close()


def _photos_rate_check(*, user: User, count: int) -> None:
    """At most PHOTOS_PER_USER_HOURLY photos an hour per seller (counted before they are decoded)."""
    if count and not rate_limit_take(
        f"listings:photos:user:{user.pk}", Limit(settings.PHOTOS_PER_USER_HOURLY, HOUR), amount=count
    ):
        raise ValidationError(_("Слишком много фото за час. Попробуйте позже."), code="photo_rate_limited")


def _listings_rate_check(*, user: User) -> None:
    """At most LISTINGS_PER_USER_HOURLY new listings an hour per seller."""
    if not rate_limit_take(f"listings:create:user:{user.pk}", Limit(settings.LISTINGS_PER_USER_HOURLY, HOUR)):
        raise ValidationError(_("Слишком много новых объявлений за час. Попробуйте позже."), code="rate_limited")


def _photos_count_check(*, existing: int, adding: int) -> None:
    if existing + adding > MAX_PHOTOS:
        raise ValidationError(_("Не больше %(n)s фото."), params={"n": MAX_PHOTOS}, code="too_many_photos")


def _photos_add(
    *,
    listing: Listing,
    prepared: Sequence[tuple[ContentFile, ContentFile]],
    drafts: Sequence[ListingPhotoDraft] = (),
) -> None:
    """Store photos already prepared (outside the transaction), after the seller's kept drafts (uploaded
    earlier, so first); the listing row is locked by the caller. A draft's files become the photo's."""
    _photos_count_check(existing=listing.photos.count(), adding=len(drafts) + len(prepared))
    last = listing.photos.order_by("-position").values_list("position", flat=True).first()
    start = 0 if last is None else last + 1
    for offset, draft in enumerate(drafts):
        ListingPhoto.objects.create(
            listing=listing, image=draft.image.name, thumbnail=draft.thumbnail.name, position=start + offset
        )
    if drafts:
        # The rows go, their files stay (the photos use them now); one seller's drafts only.
        ListingPhotoDraft.objects.filter(pk__in=[d.pk for d in drafts], user_id=listing.seller_id).delete()
    start += len(drafts)
    for offset, (image, thumb) in enumerate(prepared):
        ListingPhoto.objects.create(listing=listing, image=image, thumbnail=thumb, position=start + offset)


def photo_drafts_save(
    *,
    user: User,
    photos: Sequence[UploadedFile],
    keep: Sequence[ListingPhotoDraft] = (),
    existing: int = 0,
    refused: list[ValidationError] | None = None,
) -> list[ListingPhotoDraft]:
    """Keep the photos of a refused listing form, checked and re-encoded like a listing's own (the same
    size, pixel-budget and per-seller hourly limits), so the corrected form need not upload them again.

    `keep` are the drafts the form still carries and `existing` the photos the listing already has:
    together with the new ones at most MAX_PHOTOS. The seller's other drafts (an abandoned form) go, so
    one seller holds at most MAX_PHOTOS drafts. Returns the drafts, kept ones first. With `refused`,
    a file that is not a photo we take goes there and the others are kept (photos_prepare).
    """
    _photos_count_check(existing=existing + len(keep), adding=len(photos))
    if photos:
        _photos_rate_check(user=user, count=len(photos))
    return _drafts_store(user=user, prepared=photos_prepare(photos, refused=refused), keep=keep)


def _photos_prepare_or_keep(
    *, user: User, photos: Sequence[UploadedFile], drafts: Sequence[ListingPhotoDraft]
) -> list[tuple[ContentFile, ContentFile]]:
    """photos_prepare for a listing's save; when some files are not photos we take, the others are
    kept as drafts and PhotosRefused names the bad ones (the save does not go through)."""
    refused: list[ValidationError] = []
    prepared = photos_prepare(photos, refused=refused)
    if refused:
        raise PhotosRefused(refused, drafts=_drafts_store(user=user, prepared=prepared, keep=drafts))
    return prepared


def _drafts_store(
    *, user: User, prepared: Sequence[tuple[ContentFile, ContentFile]], keep: Sequence[ListingPhotoDraft]
) -> list[ListingPhotoDraft]:
    """Store prepared photos as the seller's drafts after the kept ones; the seller's other drafts go."""
    kept_ids = [draft.pk for draft in keep]
    stale = list(ListingPhotoDraft.objects.filter(user=user).exclude(pk__in=kept_ids))
    with transaction.atomic():
        ListingPhotoDraft.objects.filter(pk__in=[draft.pk for draft in stale]).delete()
        added = [ListingPhotoDraft.objects.create(user=user, image=image, thumbnail=thumb) for image, thumb in prepared]
    transaction.on_commit(lambda: _draft_files_delete(stale))
    return [*keep, *added]


def _draft_files_delete(drafts: Sequence[ListingPhotoDraft]) -> None:
    for draft in drafts:
        draft.image.delete(save=False)
        draft.thumbnail.delete(save=False)


def photo_drafts_purge(*, now: datetime | None = None) -> int:
    """Remove drafts older than PHOTO_DRAFT_HOURS with their files (a form never sent again)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.PHOTO_DRAFT_HOURS)
    old = list(ListingPhotoDraft.objects.filter(created_at__lt=cutoff))
    ListingPhotoDraft.objects.filter(pk__in=[draft.pk for draft in old]).delete()
    _draft_files_delete(old)
    return len(old)


def _publisher_check(user: User) -> None:
    """Only an account whose number is confirmed may send a listing to the public (or to moderation)."""
    if not user_phone_confirmed(user):
        raise ValidationError(phone_unconfirmed_message(), code=PHONE_UNCONFIRMED)


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
    drafts: Sequence[ListingPhotoDraft] = (),
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
    if submit and not operator_test:
        _publisher_check(seller)
    _photos_count_check(existing=0, adding=len(drafts) + len(photos))
    if any(draft.user_id != seller.pk for draft in drafts):
        raise PermissionDenied
    listing = Listing(seller=seller, **fields)
    _fill_prices(listing)
    if submit:
        _mark_submitted(listing)
    if operator_test:
        listing.operator_test = True  # hidden from every public read (listings/auctions selectors)
        listing.status = ListingStatus.PUBLISHED
        listing.published_at = timezone.now()
    listing.full_clean()
    if not operator_test:
        _listings_rate_check(user=seller)
    _photos_rate_check(user=seller, count=len(photos))
    # The slow part, before any transaction or row lock.
    prepared = _photos_prepare_or_keep(user=seller, photos=photos, drafts=drafts)
    with transaction.atomic():
        listing.save()
        _photos_add(listing=listing, prepared=prepared, drafts=drafts)
    return listing


def _listing_editable_check(listing: Listing) -> None:
    if listing_has_open_auction(listing):
        # Buyers bid on what they saw: no bait-and-switch while an auction is open, and a listing
        # with an open auction stays published (an edit would send it back to moderation).
        raise ValidationError(
            _("Пока у объявления открыт аукцион, менять его нельзя. Неоплаченный аукцион можно отменить."),
            code="auction_running",
        )


def listing_update(
    *,
    listing: Listing,
    user: User,
    photos: Sequence[UploadedFile] = (),
    drafts: Sequence[ListingPhotoDraft] = (),
    **fields: Any,
) -> Listing:
    """The seller edits a listing; a published or rejected listing goes back to moderation."""
    if listing.seller_id != user.pk or any(draft.user_id != user.pk for draft in drafts):
        raise PermissionDenied
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown listing fields: {sorted(unknown)}")
    prepared: list[tuple[ContentFile, ContentFile]] = []
    if photos or drafts:  # refused before the photos are decoded when the edit cannot go through anyway
        _listing_editable_check(listing)
        _photos_count_check(existing=listing.photos.count(), adding=len(drafts) + len(photos))
        _photos_rate_check(user=user, count=len(photos))
        # The slow part, before the row lock.
        prepared = _photos_prepare_or_keep(user=user, photos=photos, drafts=drafts)
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        _listing_editable_check(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        _fill_prices(locked)
        if locked.status not in (ListingStatus.DRAFT, ListingStatus.SOLD, ListingStatus.ARCHIVED):
            _publisher_check(user)
            _mark_submitted(locked)  # a sold or archived flat stays so: "relist" puts it up again
        locked.full_clean()
        locked.save()
        _photos_add(listing=locked, prepared=prepared, drafts=drafts)
    return locked


def listing_submit(*, listing: Listing, user: User) -> Listing:
    if listing.seller_id != user.pk:
        raise PermissionDenied
    with transaction.atomic():
        locked = Listing.objects.select_for_update().get(pk=listing.pk)
        if locked.status not in (ListingStatus.DRAFT, ListingStatus.REJECTED):
            raise ValidationError(_("Объявление уже отправлено."), code="already_submitted")
        _publisher_check(user)
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
        if listing_has_open_auction(locked):
            # Bidders are on it: the auction is cancelled first (admin, with a reason; the fee is refunded).
            raise ValidationError(
                _("У объявления открытый аукцион: сначала отмените его в админке."), code="auction_open"
            )
        locked.status = ListingStatus.REJECTED
        locked.rejection_reason = reason
        locked.save(update_fields=["status", "rejection_reason", "updated_at"])
    return locked


def _photo_locked(*, photo: ListingPhoto, user: User) -> tuple[Listing, list[ListingPhoto]]:
    """Lock the photo's listing and return it with its photos in order; inside a transaction.

    Photos are part of what buyers bid on: they change only while the listing could be edited."""
    if photo.listing.seller_id != user.pk:
        raise PermissionDenied
    locked = Listing.objects.select_for_update().get(pk=photo.listing_id)
    _listing_editable_check(locked)
    photos = list(ListingPhoto.objects.filter(listing_id=locked.pk).order_by("position", "id"))
    if not any(item.pk == photo.pk for item in photos):  # deleted meanwhile, by another tab
        raise ValidationError(_("Этой фотографии уже нет."), code="photo_gone")
    return locked, photos


def _photos_renumber(photos: Sequence[ListingPhoto]) -> None:
    for position, item in enumerate(photos):
        if item.position != position:
            ListingPhoto.objects.filter(pk=item.pk).update(position=position)


def listing_photo_make_cover(*, photo: ListingPhoto, user: User) -> None:
    """Move the photo to the first place; the others keep their order."""
    with transaction.atomic():
        _, photos = _photo_locked(photo=photo, user=user)
        _photos_renumber([item for item in photos if item.pk == photo.pk] + [p for p in photos if p.pk != photo.pk])


def listing_photo_move(*, photo: ListingPhoto, user: User, step: int) -> None:
    """Move a photo one place earlier (step=-1) or later (step=1); positions are renumbered 0..n-1."""
    with transaction.atomic():
        _, photos = _photo_locked(photo=photo, user=user)
        index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
        target = max(0, min(len(photos) - 1, index + (1 if step > 0 else -1)))
        photos.insert(target, photos.pop(index))
        _photos_renumber(photos)


def listing_photo_delete(*, photo: ListingPhoto, user: User) -> None:
    with transaction.atomic():
        _, photos = _photo_locked(photo=photo, user=user)
        _photos_renumber([item for item in photos if item.pk != photo.pk])
        photo.delete()
    transaction.on_commit(lambda: (photo.image.delete(save=False), photo.thumbnail.delete(save=False)))


def _open_auction_refuse(listing: Listing) -> None:
    if listing_has_open_auction(listing):
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
        _publisher_check(user)
        _mark_submitted(locked)
        locked.sold_at = None
        locked.sold_price = None
        locked.save()
    return locked


def listing_view_register(*, listing_id: int) -> None:
    """+1 view. On its own (not inside a larger transaction) it commits without waiting for the disk
    (synchronous_commit off for this transaction only): a page view should not wait for a WAL flush,
    and a crash can at worst lose the last few views, never corrupt anything."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or connection.in_atomic_block:  # SET LOCAL is PostgreSQL's
        Listing.objects.filter(pk=listing_id).update(views_count=F("views_count") + 1)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
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


def listings_reprice() -> tuple[int, list[int]]:
    """Recompute soum prices of dollar listings after USD_UZS_RATE changes: (repriced, skipped ids).
    A listing whose soum price would no longer fit (PRICE_DIGITS) keeps its old one and is named,
    rather than stopping the run and leaving every listing after it at the old rate."""
    count, skipped = 0, []
    for listing in Listing.objects.filter(currency=Currency.USD).iterator():
        try:
            _fill_prices(listing)
        except ValidationError:
            skipped.append(listing.pk)
            continue
        listing.save(update_fields=["price_uzs", "price_per_m2_uzs"])
        count += 1
    return count, skipped

import dataclasses
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cached_property
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from core.http import safe_next
from core.rows import id_from_text
from core.templatetags.money import price
from listings import services
from listings.cards import cards_render, hearts_render
from listings.forms import SORT_VALUES, ListingForm, RejectForm, SearchForm
from listings.models import Listing, ListingPhoto, ListingPhotoDraft, ListingStatus
from listings.search_form_cache import SEARCH_FORM_CACHE_SECONDS, search_form_key
from listings.selectors import (
    SEARCH_COUNT_CAP,
    SearchParams,
    listing_has_open_auction,
    listings_favorite_of,
    listings_moderation_queue,
    listings_search,
    listings_search_matches,
    listings_search_points,
    listings_visible_q,
    photo_drafts_of,
)
from listings.services import MAX_PHOTOS, PRICE_DIGITS

PAGE_SIZE = 24


# A search known to pass the count's cap is not counted again for this long ("more than 1 000"
# stays true: it would take hundreds of listings gone within the minute to change it).
CAPPED_COUNT_SECONDS = 60


class CappedPaginator(Paginator):
    """Counts the results only up to `cap` (a LIMIT inside the count), so a broad search does not
    scan every match to print its number; `capped` says there are more, and the pages stop at the cap.

    With `capped_key`, a search that passed the cap is remembered (CAPPED_COUNT_SECONDS) and not
    counted again: those are the counts that cost (up to cap + 1 rows read), and their answer
    cannot go stale in a minute. Exact counts (below the cap) are always counted afresh."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int, counted: Any = None, capped_key: str = "") -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.capped = False
        self.counted = object_list if counted is None else counted  # the same rows, without the card's joins
        self.capped_key = capped_key

    @cached_property
    def count(self) -> int:
        if self.capped_key and cache.get(self.capped_key):
            self.capped = True
            return self.cap
        found = self.counted.order_by().values("pk")[: self.cap + 1].count()
        self.capped = found > self.cap
        if self.capped and self.capped_key:
            cache.set(self.capped_key, True, CAPPED_COUNT_SECONDS)
        return min(found, self.cap)


def _capped_key(params: SearchParams) -> str:
    """The filters that decide the count (the order does not)."""
    filters = repr(dataclasses.replace(params, sort=""))
    return "search-capped:" + hashlib.blake2b(filters.encode(), digest_size=16).hexdigest()


def listing_list(request: HttpRequest) -> HttpResponse:
    query = request.GET
    if query.get("sort") not in (None, "", *SORT_VALUES):
        # An order the page does not know (an old or mistyped link) is the default one, silently:
        # not an error of the form either (no aria-invalid on the sort box).
        query = query.copy()
        del query["sort"]
    form = SearchForm(query or None)
    params = form.params() if query else SearchForm({}).params()
    user_id = request.user.pk if request.user.is_authenticated else None
    now = timezone.now()
    results = listings_search(params=params, user_id=user_id, now=now)
    matches = listings_search_matches(params=params, now=now)
    paginator = CappedPaginator(
        results, PAGE_SIZE, cap=SEARCH_COUNT_CAP, counted=matches, capped_key=_capped_key(params)
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    cards_render(page.object_list)  # the cards' shared HTML, cached (listings/cards.py)
    hearts_render(request, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    map_view = request.GET.get("view") == "map"
    map_points = _map_points(listings_search_points(params=params)) if map_view else []
    list_query = request.GET.copy()
    list_query.pop("page", None)
    list_query.pop("view", None)
    return render(
        request,
        "listings/listing_list.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "list_query": list_query.urlencode(),
            "params": params,
            "map_view": map_view,
            # The filter form's HTML is cached per filters, language, places and template.
            "form_cache_key": search_form_key(form),
            "form_cache_seconds": SEARCH_FORM_CACHE_SECONDS,
            "map_points": map_points,
            # JSON in a data- attribute (the CSP allows no inline <script>, not even data).
            "map_points_json": json.dumps(map_points) if map_view else "",
        },
    )


def _map_points(rows: list[dict]) -> list[dict]:
    """What static/js/map.js draws for each result: a point, a title, a price, a link."""
    return [
        {
            "lat": float(row["latitude"]),
            "lng": float(row["longitude"]),
            "title": row["title"],
            "price": price(row["price"], row["currency"]),
            "url": reverse("listings:detail", args=[row["pk"]]),
        }
        for row in rows
    ]


def _form_to_service_fields(form: ListingForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("photos", None)
    return data


def _photo_error(exc: ValidationError) -> bool:
    return bool(exc.code and exc.code.startswith(("photo", "too_many")))


def _drafts_posted(request: HttpRequest) -> list[ListingPhotoDraft]:
    """The kept photos the form carries back (checked boxes), the seller's own only."""
    ids = [pk for value in request.POST.getlist("draft_photo")[:MAX_PHOTOS] if (pk := id_from_text(value))]
    return photo_drafts_of(user_id=request.user.pk, ids=ids) if ids else []


def _drafts_keep(
    request: HttpRequest, form: ListingForm, drafts: list[ListingPhotoDraft], *, existing: int = 0
) -> list[ListingPhotoDraft]:
    """The form was refused: keep the photos it brought (checked and re-encoded like a listing's),
    so the corrected form shows them and need not upload them again. A file that is not a photo we
    take is named in the form's errors; the others are kept all the same."""
    # When the field refused some files, the ones it accepted.
    photos_field: Any = form.fields["photos"]
    uploads = photos_field.accepted if "photos" in form.errors else (form.cleaned_data.get("photos") or [])
    if not uploads:
        return drafts
    refused: list[ValidationError] = []
    try:
        kept = services.photo_drafts_save(
            user=request.user, photos=uploads, keep=drafts, existing=existing, refused=refused
        )
    except ValidationError as exc:
        form.add_error("photos", exc)
        return drafts
    for exc in refused:
        form.add_error("photos", exc)
    return kept


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"  # an empty POST is a bound form with errors, not a blank one
    form = ListingForm(request.POST if posted else None, request.FILES if posted else None)
    drafts = _drafts_posted(request) if posted else []
    if posted:
        photo_refused = False
        if form.is_valid():
            try:
                listing = services.listing_create(
                    seller=request.user,
                    photos=form.cleaned_data["photos"],
                    drafts=drafts,
                    **_form_to_service_fields(form),
                )
            except services.PhotosRefused as exc:  # the listing's other photos are kept as drafts
                photo_refused = True
                drafts = exc.drafts
                form.add_error("photos", exc)
            except ValidationError as exc:
                photo_refused = _photo_error(exc)
                form.add_error("photos" if photo_refused else None, exc)
            else:
                if listing.status == ListingStatus.PUBLISHED:
                    messages.success(request, _("Объявление опубликовано. Теперь можно выставить квартиру на аукцион."))
                else:
                    messages.info(request, _("Объявление отправлено на проверку. Обычно это занимает несколько часов."))
                return redirect(listing)
        if not photo_refused:
            drafts = _drafts_keep(request, form, drafts)
    return render(
        request,
        "listings/listing_create.html",
        {"form": form, "auto_approve": settings.LISTINGS_AUTO_APPROVE, "drafts": drafts},
    )


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing.objects.select_related("district", "region"), pk=pk, seller=request.user)
    posted = request.method == "POST"
    form = ListingForm(request.POST if posted else None, request.FILES if posted else None, instance=listing)
    drafts = _drafts_posted(request) if posted else []
    if posted:
        photo_refused = False
        if form.is_valid():
            try:
                listing = services.listing_update(
                    listing=listing,
                    user=request.user,
                    photos=form.cleaned_data["photos"],
                    drafts=drafts,
                    **_form_to_service_fields(form),
                )
            except services.PhotosRefused as exc:  # the listing's other photos are kept as drafts
                photo_refused = True
                drafts = exc.drafts
                form.add_error("photos", exc)
            except ValidationError as exc:
                photo_refused = _photo_error(exc)
                form.add_error("photos" if photo_refused else None, exc)
            else:
                messages.success(request, _("Изменения сохранены."))
                return redirect(listing)
        if not photo_refused:
            drafts = _drafts_keep(request, form, drafts, existing=listing.photos.count())
    listing.refresh_from_db()
    context = {"form": form, "listing": listing, "photos": list(listing.photos.all()), "drafts": drafts}
    # Said before the seller types anything: the edit and the photo buttons would be refused.
    context["auction_open"] = listing_has_open_auction(listing)
    return render(request, "listings/listing_create.html", context)


@login_required
@require_POST
def listing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk, seller=request.user)
    try:
        services.listing_submit(listing=listing, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(listing)


def _price_or_none(value: str) -> Decimal | None:
    """The sold price as typed (digits grouped with spaces allowed), in whole soums or with tiyin;
    None when left empty. Refused, not cut or rounded: too long, below 1 soum, beyond PRICE_DIGITS."""
    field = forms.DecimalField(max_digits=PRICE_DIGITS, decimal_places=2, min_value=Decimal(1), required=False)
    try:
        if len(value) > 64:
            raise ValidationError("too long")
        price = field.clean(value.replace(" ", "").replace("\u00a0", ""))
    except ValidationError:
        raise ValidationError(_("Цена продажи: введите сумму в сумах."), code="bad_price") from None
    return price


@login_required
@require_POST
def listing_mark_sold(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk, seller=request.user)
    try:
        price = _price_or_none(request.POST.get("sold_price", ""))
        services.listing_mark_sold(listing=listing, user=request.user, price=price)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Квартира отмечена проданной: она больше не показывается в поиске."))
    return redirect(listing)


@login_required
@require_POST
def listing_archive(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk, seller=request.user)
    try:
        services.listing_archive(listing=listing, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Объявление перенесено в архив: его видите только вы."))
    return redirect(listing)


@login_required
@require_POST
def listing_relist(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk, seller=request.user)
    try:
        listing = services.listing_relist(listing=listing, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if listing.status == ListingStatus.PUBLISHED:
            messages.success(request, _("Объявление снова в продаже."))
        else:
            messages.info(request, _("Объявление отправлено на проверку и вернётся в продажу после неё."))
    return redirect(listing)


def _photo_change(request: HttpRequest, pk: int, change: Callable[..., None], **kwargs: Any) -> HttpResponse:
    photo = get_object_or_404(ListingPhoto.objects.select_related("listing"), pk=pk, listing__seller=request.user)
    try:
        change(photo=photo, user=request.user, **kwargs)
    except ValidationError as exc:
        if exc.code != "auction_running":  # the edit page says that one itself (auction_open)
            messages.error(request, " ".join(exc.messages))
    return redirect("listings:edit", photo.listing_id)


@login_required
@require_POST
def photo_cover(request: HttpRequest, pk: int) -> HttpResponse:
    return _photo_change(request, pk, services.listing_photo_make_cover)


@login_required
@require_POST
def photo_move(request: HttpRequest, pk: int) -> HttpResponse:
    step = 1 if request.POST.get("direction") == "later" else -1
    return _photo_change(request, pk, services.listing_photo_move, step=step)


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _photo_change(request, pk, services.listing_photo_delete)


# "В избранное" pressed while signed out: the listing and the page to come back to wait in the session
# until the visitor has signed in (favorite_after_sign_in then adds it).
SESSION_FAVORITE = "favorite_after_sign_in"


@require_POST
def favorite_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """The heart. A visitor who is not signed in is asked to sign in, and the listing becomes a favourite
    right after: the intent is kept in their session, set only by this POST (CSRF-checked), so a link
    from another site can neither add a favourite nor plant one."""
    listing = get_object_or_404(Listing.objects.filter(listings_visible_q()), pk=pk)
    back = safe_next(request, request.POST.get("next") or request.GET.get("next") or "", listing.get_absolute_url())
    if not request.user.is_authenticated:
        request.session[SESSION_FAVORITE] = {"listing": listing.pk, "next": back}
        login = reverse("accounts:phone_login")
        return HttpResponseRedirect(f"{login}?{urlencode({'next': reverse('listings:favorite_after_sign_in')})}")
    added = services.favorite_toggle(user=request.user, listing_id=listing.pk)
    if request.headers.get("X-Requested-With") == "fetch":  # static/js/site.js turns the heart in place
        return JsonResponse({"favorite": added})
    messages.success(request, _("Добавлено в избранное.") if added else _("Убрано из избранного."))
    return HttpResponseRedirect(back)


@login_required
def favorite_after_sign_in(request: HttpRequest) -> HttpResponse:
    """Where sign-in returns after "В избранное" was pressed signed out: adds that favourite (adds, never
    removes: pressing it twice is still one favourite) and goes back to the page it was pressed on."""
    pending = request.session.pop(SESSION_FAVORITE, None)
    if not isinstance(pending, dict):
        return redirect("listings:favorites")
    listing = Listing.objects.filter(listings_visible_q(), pk=pending.get("listing")).first()
    if listing is None:
        return redirect("listings:favorites")
    services.favorite_add(user=request.user, listing_id=listing.pk)
    messages.success(request, _("Добавлено в избранное."))
    return HttpResponseRedirect(safe_next(request, str(pending.get("next") or ""), listing.get_absolute_url()))


@login_required
def favorites(request: HttpRequest) -> HttpResponse:
    page = Paginator(listings_favorite_of(user_id=request.user.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    favorite_ids = {listing.pk for listing in page.object_list}
    return render(request, "listings/favorites.html", {"page": page, "favorite_ids": favorite_ids})


@staff_required
@permission_required("listings.change_listing", raise_exception=True)
def moderation_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "listings/moderation.html",
        {"listings": list(listings_moderation_queue()[:100]), "reject_form": RejectForm()},
    )


@staff_required
@permission_required("listings.change_listing", raise_exception=True)
@require_POST
def moderation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            services.listing_approve(listing=listing, moderator=request.user)
            messages.success(request, _("Объявление опубликовано."))
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Укажите причину, чтобы продавец мог её исправить."))
                return redirect("listings:moderation")
            services.listing_reject(listing=listing, moderator=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Объявление отклонено."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(reverse("listings:moderation"))

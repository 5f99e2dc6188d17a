from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import safe_next
from listings import services
from listings.forms import ListingForm, RejectForm, SearchForm
from listings.models import Listing, ListingPhoto, ListingStatus
from listings.selectors import (
    SEARCH_COUNT_CAP,
    listings_favorite_of,
    listings_moderation_queue,
    listings_search,
    listings_search_matches,
    listings_visible_q,
)

PAGE_SIZE = 24


class CappedPaginator(Paginator):
    """Counts the results only up to `cap` (a LIMIT inside the count), so a broad search does not
    scan every match to print its number; `capped` says there are more, and the pages stop at the cap."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int, counted: Any = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap
        self.capped = False
        self.counted = object_list if counted is None else counted  # the same rows, without the card's joins

    @cached_property
    def count(self) -> int:
        found = self.counted.order_by().values("pk")[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


def listing_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    params = form.params() if request.GET else SearchForm({}).params()
    user_id = request.user.pk if request.user.is_authenticated else None
    now = timezone.now()
    results = listings_search(params=params, user_id=user_id, now=now)
    matches = listings_search_matches(params=params, now=now)
    page = CappedPaginator(results, PAGE_SIZE, cap=SEARCH_COUNT_CAP, counted=matches).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "listings/listing_list.html",
        {"page": page, "form": form, "query": query.urlencode(), "params": params},
    )


def _form_to_service_fields(form: ListingForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("photos", None)
    return data


@login_required
def listing_create(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_create(
                seller=request.user, photos=form.cleaned_data["photos"], **_form_to_service_fields(form)
            )
        except ValidationError as exc:
            form.add_error("photos" if exc.code and exc.code.startswith(("photo", "too_many")) else None, exc)
        else:
            if listing.status == ListingStatus.PUBLISHED:
                messages.success(request, _("Объявление опубликовано. Теперь можно выставить квартиру на аукцион."))
            else:
                messages.info(request, _("Объявление отправлено на проверку. Обычно это занимает несколько часов."))
            return redirect(listing)
    return render(
        request, "listings/listing_create.html", {"form": form, "auto_approve": settings.LISTINGS_AUTO_APPROVE}
    )


@login_required
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing.objects.select_related("district", "region"), pk=pk, seller=request.user)
    form = ListingForm(request.POST or None, request.FILES or None, instance=listing)
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_update(
                listing=listing, user=request.user, photos=form.cleaned_data["photos"], **_form_to_service_fields(form)
            )
        except ValidationError as exc:
            form.add_error("photos" if exc.code and exc.code.startswith(("photo", "too_many")) else None, exc)
        else:
            messages.success(request, _("Изменения сохранены."))
            return redirect(listing)
    listing.refresh_from_db()
    return render(
        request,
        "listings/listing_create.html",
        {"form": form, "listing": listing, "photos": list(listing.photos.all())},
    )


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
    cleaned = value.replace(" ", "").replace("\u00a0", "")[:20]
    if not cleaned:
        return None
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(_("Цена продажи: введите сумму в сумах."), code="bad_price") from None
    if not price.is_finite() or price <= 0 or price >= Decimal("1e14"):
        raise ValidationError(_("Цена продажи: введите сумму в сумах."), code="bad_price")
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


@login_required
@require_POST
def photo_cover(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ListingPhoto.objects.select_related("listing"), pk=pk, listing__seller=request.user)
    services.listing_photo_make_cover(photo=photo, user=request.user)
    return redirect("listings:edit", photo.listing_id)


@login_required
@require_POST
def photo_move(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ListingPhoto.objects.select_related("listing"), pk=pk, listing__seller=request.user)
    step = 1 if request.POST.get("direction") == "later" else -1
    services.listing_photo_move(photo=photo, user=request.user, step=step)
    return redirect("listings:edit", photo.listing_id)


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(ListingPhoto.objects.select_related("listing"), pk=pk, listing__seller=request.user)
    services.listing_photo_delete(photo=photo, user=request.user)
    return redirect("listings:edit", photo.listing_id)


@login_required
@require_POST
def favorite_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing.objects.filter(listings_visible_q()), pk=pk)
    added = services.favorite_toggle(user=request.user, listing_id=listing.pk)
    messages.success(request, _("Добавлено в избранное.") if added else _("Убрано из избранного."))
    return HttpResponseRedirect(
        safe_next(request, request.POST.get("next") or request.GET.get("next") or "", listing.get_absolute_url())
    )


@login_required
def favorites(request: HttpRequest) -> HttpResponse:
    page = Paginator(listings_favorite_of(user_id=request.user.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "listings/favorites.html", {"page": page})


@staff_member_required
@permission_required("listings.change_listing", raise_exception=True)
def moderation_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "listings/moderation.html",
        {"listings": list(listings_moderation_queue()[:100]), "reject_form": RejectForm()},
    )


@staff_member_required
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

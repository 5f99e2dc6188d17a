from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from listings import services
from listings.forms import listing_form_prices_check
from listings.models import Amenity, District, Favorite, Listing, ListingPhoto, ListingStatus, Region


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0


class ListingAdminForm(forms.ModelForm):
    """The admin's listing form: amenities as the site's choices (a raw JSON box took NaN, NUL and
    nesting deep enough to crash), and the prices checked as the site's form checks them."""

    amenities = forms.MultipleChoiceField(
        label=_("Удобства"), choices=Amenity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    # No Meta: ListingAdmin's modelform_factory gives the model and the fields.

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        listing_form_prices_check(self, data)
        if data.get("sold_price") is not None:
            try:  # within what every database reads back (services.PRICE_DIGITS)
                DecimalValidator(services.PRICE_DIGITS, 2)(data["sold_price"])
            except ValidationError as exc:
                self.add_error("sold_price", exc)
        return data


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    form = ListingAdminForm
    list_display = ["id", "title", "status", "region", "district", "rooms", "area", "price", "currency", "seller"]
    list_filter = ["status", "region", "market", "rooms", "currency", "created_at"]
    search_fields = ["title", "address", "seller__phone"]
    list_select_related = ["seller", "region", "district"]
    raw_id_fields = ["seller"]
    readonly_fields = ["price_uzs", "price_per_m2_uzs", "views_count", "submitted_at", "published_at"]
    inlines = [ListingPhotoInline]
    date_hierarchy = "created_at"
    actions = ["approve"]

    def save_model(self, request: HttpRequest, obj: Listing, form: Any, change: bool) -> None:
        # Keep the soum prices that search filters and sorts on in step with an admin's edit.
        obj.price_uzs, obj.price_per_m2_uzs = services.listing_prices(
            price=obj.price, currency=obj.currency, area=obj.area
        )
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Опубликовать выбранные (модерация)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Listing]) -> None:
        done = 0
        for listing in queryset.filter(status=ListingStatus.REVIEW):
            try:
                services.listing_approve(listing=listing, moderator=request.user)  # type: ignore[arg-type]
                done += 1
            except ValidationError:
                continue
        published = ngettext("Опубликовано %(n)s объявление.", "Опубликовано %(n)s объявлений.", done) % {"n": done}
        self.message_user(request, published, messages.SUCCESS)


@admin.register(ListingPhoto)
class ListingPhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "listing", "position", "image"]
    search_fields = ["listing__title"]
    raw_id_fields = ["listing"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ru", "name_uz", "name_en", "position"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_ru", "name_uz", "name_en", "region"]
    list_filter = ["region"]


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "listing", "created_at"]
    raw_id_fields = ["user", "listing"]

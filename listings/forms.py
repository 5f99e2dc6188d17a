from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from listings.models import (
    LISTING_SELLER_FIELDS,
    Amenity,
    BuildingType,
    Currency,
    District,
    Listing,
    Market,
    Region,
    Renovation,
)
from listings.selectors import SearchParams, Sort
from listings.services import MAX_PHOTO_BYTES, MAX_PHOTOS, listing_prices_check

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    """Several photos in one input; each must be an image, the service re-checks and cleans it."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Не больше %(n)s фото."), params={"n": MAX_PHOTOS})
        cleaned = []
        for item in files:
            if item.size > MAX_PHOTO_BYTES:
                raise ValidationError(_("Фото %(name)s больше 5 МБ."), params={"name": item.name})
            cleaned.append(super().clean(item, initial))
        return cleaned


class RegionChoiceField(forms.ModelChoiceField):
    """A region by its code; a NUL byte (which PostgreSQL refuses) is an invalid choice, not a 500."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ListingForm(forms.ModelForm):
    region = RegionChoiceField(
        label=_("Регион"), queryset=Region.objects.all(), initial=Region.TASHKENT_CITY, empty_label=None
    )
    district = forms.CharField(
        label=_("Район"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"list": "district-options", "autocomplete": "off"}),
    )
    amenities = forms.MultipleChoiceField(
        label=_("Удобства"), choices=Amenity.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    photos = MultiplePhotoField(
        label=_("Фото"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=_("До 10 фото JPEG, PNG или WebP, до 5 МБ каждое. Первое фото — обложка."),
    )

    class Meta:
        model = Listing
        fields = list(LISTING_SELLER_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "rooms": forms.NumberInput(attrs={"min": 0, "max": 20}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["market"].required = False
        self.fields["building_type"].choices = [("", _("Не указан")), *BuildingType.choices]
        self.fields["renovation"].choices = [("", _("Не указан")), *Renovation.choices]
        if self.instance.pk and self.instance.district_id and not self.is_bound:
            self.initial["district"] = str(self.instance.district)
        self.district_options = list(District.objects.select_related("region"))

    def clean_market(self) -> str:
        return self.cleaned_data.get("market") or Market.RESALE

    def clean_district(self) -> District | None:
        text = (self.cleaned_data.get("district") or "").strip()
        if not text:
            return None
        match = District.objects.filter(Q(name_ru__iexact=text) | Q(name_uz__iexact=text) | Q(name_en__iexact=text))
        region = self.cleaned_data.get("region")
        if region is not None:
            match = match.filter(region=region)
        district = match.first()
        if district is None:
            raise ValidationError(_("Выберите район из списка."), code="unknown_district")
        return district

    def clean(self) -> dict:
        data = super().clean() or {}
        floor, floors_total = data.get("floor"), data.get("floors_total")
        if floor and floors_total and floor > floors_total:
            self.add_error("floor", _("Этаж не может быть выше этажности дома."))
        area, living, kitchen = data.get("area"), data.get("living_area"), data.get("kitchen_area")
        if area and living and living > area:
            self.add_error("living_area", _("Жилая площадь больше общей."))
        if area and kitchen and kitchen > area:
            self.add_error("kitchen_area", _("Площадь кухни больше общей."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Укажите и широту, и долготу — или ни одну."))
        if data.get("price") is not None and data.get("currency"):
            try:
                listing_prices_check(price=data["price"], currency=data["currency"], area=data.get("area"))
            except ValidationError as exc:
                self.add_error("price", exc)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Причина отклонения"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


ROOM_CHOICES = [("0", _("Студия")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4+")]
SORT_CHOICES = [
    (Sort.NEWEST, _("Сначала новые")),
    (Sort.PRICE_ASC, _("Сначала дешевле")),
    (Sort.PRICE_DESC, _("Сначала дороже")),
    (Sort.PRICE_M2_ASC, _("Дешевле за м²")),
    (Sort.PRICE_M2_DESC, _("Дороже за м²")),
    (Sort.ENDING, _("Скоро конец торгов")),
]
AMOUNT = {"min_value": Decimal(0), "max_digits": 16, "decimal_places": 2, "required": False}


def _bound(placeholder: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"placeholder": placeholder, "min": 0})


class SearchForm(forms.Form):
    """The search filters, all in the query string so a results page can be shared."""

    q = forms.CharField(
        label=_("Поиск"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Улица, ориентир, ЖК…")}),
    )
    region = RegionChoiceField(
        label=_("Регион"), queryset=Region.objects.all(), required=False, empty_label=_("Весь Узбекистан")
    )
    district = forms.ModelMultipleChoiceField(
        label=_("Район"), queryset=District.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    rooms = forms.MultipleChoiceField(
        label=_("Комнат"), choices=ROOM_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    price_min = forms.DecimalField(label=_("Цена от"), widget=_bound(_("от")), **AMOUNT)
    price_max = forms.DecimalField(label=_("Цена до"), widget=_bound(_("до")), **AMOUNT)
    currency = forms.ChoiceField(label=_("Валюта"), choices=Currency.choices, required=False)
    area_min = forms.DecimalField(
        label=_("Площадь от"), widget=_bound(_("от")), min_value=Decimal(0), max_digits=7, required=False
    )
    area_max = forms.DecimalField(
        label=_("Площадь до"), widget=_bound(_("до")), min_value=Decimal(0), max_digits=7, required=False
    )
    floor_min = forms.IntegerField(
        label=_("Этаж от"), widget=_bound(_("от")), min_value=1, max_value=200, required=False
    )
    floor_max = forms.IntegerField(
        label=_("Этаж до"), widget=_bound(_("до")), min_value=1, max_value=200, required=False
    )
    not_first = forms.BooleanField(label=_("Не первый"), required=False)
    not_last = forms.BooleanField(label=_("Не последний"), required=False)
    market = forms.ChoiceField(label=_("Рынок"), choices=[("", _("Любой")), *Market.choices], required=False)
    renovation = forms.ChoiceField(label=_("Ремонт"), choices=[("", _("Любой")), *Renovation.choices], required=False)
    building_type = forms.ChoiceField(
        label=_("Тип дома"), choices=[("", _("Любой")), *BuildingType.choices], required=False
    )
    photos = forms.BooleanField(label=_("С фото"), required=False)
    auction = forms.BooleanField(label=_("Идут торги"), required=False)
    ending_soon = forms.BooleanField(label=_("Торги заканчиваются в течение суток"), required=False)
    sort = forms.ChoiceField(
        label=_("Сортировка"),
        choices=SORT_CHOICES,
        required=False,
        widget=forms.Select(attrs={"data-autosubmit": True}),  # static/js/site.js
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.data.get("region") if self.is_bound else None
        if region and isinstance(region, str) and "\x00" not in region:
            # Offer the districts of the chosen region (a district of another one would match nothing anyway).
            field = self.fields["district"]
            field.queryset = field.queryset.filter(region_id=region)  # type: ignore[attr-defined]

    def params(self) -> SearchParams:
        """What was valid in the query; an invalid field is ignored (and shown as an error)."""
        self.is_valid()
        data = self.cleaned_data
        region = data.get("region")
        return SearchParams(
            q=data.get("q") or "",
            region=region.pk if region else "",
            districts=tuple(d.pk for d in data.get("district") or ()),
            rooms=tuple(sorted(int(r) for r in data.get("rooms") or ())),
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            currency=data.get("currency") or Currency.UZS,
            area_min=data.get("area_min"),
            area_max=data.get("area_max"),
            floor_min=data.get("floor_min"),
            floor_max=data.get("floor_max"),
            not_first_floor=bool(data.get("not_first")),
            not_last_floor=bool(data.get("not_last")),
            market=data.get("market") or "",
            renovation=data.get("renovation") or "",
            building_type=data.get("building_type") or "",
            has_photos=bool(data.get("photos")),
            has_auction=bool(data.get("auction")),
            auction_ending_soon=bool(data.get("ending_soon")),
            sort=data.get("sort") or Sort.NEWEST,
        )

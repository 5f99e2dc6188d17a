import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.rows import id_in_range
from listings.models import (
    LATITUDE_BOUNDS,
    LISTING_SELLER_FIELDS,
    LONGITUDE_BOUNDS,
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
from listings.services import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    NOT_A_PHOTO,
    PHOTO_TOO_BIG,
    listing_prices_check,
    photo_refused,
)
from listings.widgets import SearchFormRenderer

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"
# Apostrophes of Latin Uzbek (o‘, g‘, ʼ) as people type them, or leave them out.
_APOSTROPHES = str.maketrans("", "", "'‘’ʻʼ`´")


def place_name_fold(text: str) -> str:
    """A place name as compared: case-folded, ё as е, no apostrophes, hyphens as spaces, single spaces."""
    text = text.casefold().replace("ё", "е").translate(_APOSTROPHES).replace("-", " ")
    return " ".join(text.split())


def district_named(text: str, region: Region | None) -> District:
    """The district a seller typed, in the chosen region: its full name in Russian, Uzbek or English
    ("Юнусабадский район", "Yunusobod tumani"), or a part of one that names one district ("Юнусабад",
    "yunusobod", "Mirzo Ulugbek"). A ValidationError says what to choose otherwise."""
    folded = place_name_fold(text)
    districts = list(District.objects.select_related("region"))
    in_region = [d for d in districts if region is None or d.region_id == region.pk]

    def names(district: District) -> list[str]:
        return [place_name_fold(n) for n in (district.name_ru, district.name_uz, district.name_en)]

    exact = [d for d in in_region if folded in names(d)]
    if exact:
        return exact[0]
    partial = [d for d in in_region if len(folded) >= 3 and any(folded in name for name in names(d))]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise ValidationError(
            _("Уточните район: %(names)s."),
            code="ambiguous_district",
            params={"names": ", ".join(str(d) for d in partial)},
        )
    elsewhere = [
        d for d in districts if d not in in_region and (folded in names(d) or any(folded in n for n in names(d)))
    ]
    if region is not None and len(folded) >= 3 and len({d.region_id for d in elsewhere}) == 1:
        raise ValidationError(
            _("«%(district)s» — район региона «%(region)s». Выберите район из списка или этот регион."),
            code="district_in_other_region",
            params={"district": str(elsewhere[0]), "region": str(elsewhere[0].region)},
        )
    raise ValidationError(_("Выберите район из списка."), code="unknown_district")


class GroupedDecimalField(forms.DecimalField):
    """A price typed with its digits grouped ("396 000 000", spaces as typed or as the page's script
    groups them): the spaces are dropped before the number is read."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = "".join(value.split())  # any space: U+0020, no-break, narrow no-break
        return super().to_python(value)


class CoordinateField(forms.DecimalField):
    """A latitude or longitude, from the map or typed ("41.311081" or "41,311081")."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


def grouped_price_input(**attrs: Any) -> forms.TextInput:
    """A text box for a price, grouped as you type by static/js/site.js ([data-group-digits])."""
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "data-group-digits": "", **attrs})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    """Several photos in one input; each must be an image, the service re-checks and cleans it.
    Every file that is not is named; `accepted` keeps the others, so a refused form can keep them."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accepted: list[Any] = []  # each form has its own copy of its fields

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        self.accepted = []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Не больше %(n)s фото."), params={"n": MAX_PHOTOS}, code="too_many_photos")
        refused = []
        for item in files:
            if item.size > MAX_PHOTO_BYTES:
                refused.append(photo_refused(item, PHOTO_TOO_BIG, "photo_too_big"))
                continue
            try:
                self.accepted.append(super().clean(item, initial))
            except ValidationError:
                refused.append(photo_refused(item, NOT_A_PHOTO, "photo_invalid"))
        if refused:
            raise ValidationError(refused)
        return self.accepted


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
    # Typed, with the chosen region's districts offered as you type (a datalist: it works without
    # JavaScript; static/js/site.js narrows it to the region chosen); short and Latin names accepted.
    district = forms.CharField(
        label=_("Район"),
        max_length=80,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "district-options", "autocomplete": "off", "data-district-for": "id_region"}
        ),
        help_text=_("Начните вводить название: «Юнусабад», «Chilonzor»."),
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
        field_classes = {"price": GroupedDecimalField, "latitude": CoordinateField, "longitude": CoordinateField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "rooms": forms.NumberInput(attrs={"min": 0, "max": 20}),
            "price": grouped_price_input(),
            "latitude": forms.TextInput(attrs={"inputmode": "decimal", "data-map-lat": ""}),
            "longitude": forms.TextInput(attrs={"inputmode": "decimal", "data-map-lng": ""}),
        }

    mark_required = True  # includes/field.html marks the required fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["market"].required = False
        self.fields["building_type"].choices = [("", _("Не указан")), *BuildingType.choices]
        self.fields["renovation"].choices = [("", _("Не указан")), *Renovation.choices]
        self.fields["latitude"].help_text = _("Нажмите на карту или введите координаты, например 41.311081.")
        if self.instance.pk and self.instance.district_id and not self.is_bound:
            self.initial["district"] = str(self.instance.district)
        # Every district, marked with its region: the page's script offers the chosen region's ones.
        self.district_options = list(District.objects.select_related("region"))

    def clean_market(self) -> str:
        return self.cleaned_data.get("market") or Market.RESALE

    def clean_district(self) -> District | None:
        text = (self.cleaned_data.get("district") or "").strip()
        if not text:
            return None
        return district_named(text, self.cleaned_data.get("region"))

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
        for name, (low, high) in (("latitude", LATITUDE_BOUNDS), ("longitude", LONGITUDE_BOUNDS)):
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, _("Точка за пределами Узбекистана: поставьте её на карте ещё раз."))
                data.pop(name, None)
        listing_form_prices_check(self, data)
        return data


def listing_form_prices_check(form: forms.BaseForm, data: dict[str, Any]) -> None:
    """The price's soum figures must fit their columns (services.listing_prices_check): an error on
    `price` if not. Shared by the site's form and the admin's."""
    if data.get("price") is not None and data.get("currency"):
        try:
            listing_prices_check(price=data["price"], currency=data["currency"], area=data.get("area"))
        except ValidationError as exc:
            form.add_error("price", exc)


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

SEARCH_FORM_RENDERER = SearchFormRenderer()


def _bound(placeholder: str) -> forms.NumberInput:
    return forms.NumberInput(attrs={"placeholder": placeholder, "min": 0})


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose ids must be integers a primary key can hold: Django looks each
    one up, and on SQLite an id past 64 bits raised OverflowError (a 500) instead of "not a choice"."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            try:
                fits = id_in_range(int(str(pk)))
            except ValueError:
                continue  # Django's own check says what is wrong with it
            if not fits:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


_PRICE_ERROR = _("«%(filter)s»: укажите сумму цифрами, не меньше 0, например 450000000.")
_AREA_ERROR = _("«%(filter)s»: укажите площадь в м² числом не меньше 0, например 65 или 42.5.")
_FLOOR_ERROR = _("«%(filter)s»: укажите этаж целым числом от %(min)s до %(max)s.")
_CHOICE_ERROR = _("«%(filter)s»: выберите из вариантов: %(choices)s.")
# What the search page says of a filter whose value it refused (the value is left out, the other
# filters stay applied): the filter's label and what it accepts. Placeholders: SearchForm.filter_errors.
SEARCH_FILTER_ERRORS = {
    "q": _("«%(filter)s»: обычный текст не длиннее %(limit)s символов."),
    "region": _("«%(filter)s»: выберите регион из списка."),
    "district": _("«%(filter)s»: выберите районы из списка."),
    "district_in_region": _("«%(filter)s»: выберите районы региона «%(region)s» из списка."),
    "rooms": _CHOICE_ERROR,
    "price_min": _PRICE_ERROR,
    "price_max": _PRICE_ERROR,
    "currency": _CHOICE_ERROR,
    "area_min": _AREA_ERROR,
    "area_max": _AREA_ERROR,
    "floor_min": _FLOOR_ERROR,
    "floor_max": _FLOOR_ERROR,
    "market": _CHOICE_ERROR,
    "renovation": _CHOICE_ERROR,
    "building_type": _CHOICE_ERROR,
}
# Fields of the search form that narrow nothing: an order the page does not know (an old or mistyped
# link's `sort`) is not a refused filter; the results come in the default order, as the sort box then
# shows (its first choice), and nothing is said. (The API, which has no such box, refuses it: a 400.)
SEARCH_NOT_FILTERS = frozenset({"sort"})
SORT_VALUES = frozenset(str(value) for value, _label in SORT_CHOICES)


class SearchForm(forms.Form):
    """The search filters, all in the query string so a results page can be shared."""

    default_renderer = SEARCH_FORM_RENDERER  # its widgets in Python, the same HTML (listings/widgets.py)

    q = forms.CharField(
        label=_("Поиск"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Улица, ориентир, ЖК…")}),
    )
    region = RegionChoiceField(
        label=_("Регион"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Весь Узбекистан"),
        # Named for a screen reader also where it stands without its label (the home page's search).
        widget=forms.Select(attrs={"aria-label": _("Регион")}),
    )
    district = IdsMultipleChoiceField(
        label=_("Район"), queryset=District.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    rooms = forms.MultipleChoiceField(
        label=_("Комнат"), choices=ROOM_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    # Digits may come grouped ("450 000 000" in a link someone typed or shared), as on the listing form.
    price_min = GroupedDecimalField(label=_("Цена от"), widget=_bound(_("от")), **AMOUNT)
    price_max = GroupedDecimalField(label=_("Цена до"), widget=_bound(_("до")), **AMOUNT)
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        region, districts = data.get("region"), data.get("district")
        if region and districts:
            # Only the chosen region's districts (one of another region would match nothing). Checked here,
            # not by narrowing the field's choices to the region typed: a region that is not one leaves
            # the districts chosen applied.
            foreign = [d for d in districts if d.region_id != region.pk]
            if foreign:
                field = self.fields["district"]
                self.add_error(
                    "district",
                    ValidationError(
                        field.error_messages["invalid_choice"], code="invalid_choice", params={"value": foreign[0].pk}
                    ),
                )
        return data

    def filter_errors(self) -> list[str]:
        """The page's word on each refused filter: its label and what it accepts (SEARCH_FILTER_ERRORS),
        whatever Django found wrong with it; an unknown order is none (SEARCH_NOT_FILTERS). (The API keeps
        Django's own messages, by field name.)"""
        said = []
        for name in self.errors:
            field = self.fields.get(name)
            if field is None or name in SEARCH_NOT_FILTERS:  # None: a form-wide error (this form has none)
                continue
            region = self.cleaned_data.get("region")
            key = "district_in_region" if name == "district" and region else name
            message = SEARCH_FILTER_ERRORS.get(key, _("«%(filter)s»: значение не распознано."))
            choices = getattr(field, "choices", ()) if message is _CHOICE_ERROR else ()
            values = {
                "filter": field.label,
                "region": region,
                "choices": ", ".join(str(label) for value, label in choices if value != ""),
                "limit": getattr(field, "max_length", None),
                "min": getattr(field, "min_value", None),
                "max": getattr(field, "max_value", None),
            }
            said.append(message % values)
        return said

    @cached_property
    def district_choices(self) -> dict[str, Any]:
        """One query for the district list: `boxes` (district, checked) of the chosen region (all when
        none, or when the region given is not one), and `data`, every district with its region for
        static/js/site.js, so the list follows the region chosen before the form is sent."""
        region = ""
        if self.is_bound:
            self.is_valid()  # cleaned once; a region given that is not one leaves every district offered
            chosen = self.cleaned_data.get("region")
            region = chosen.pk if chosen else ""
        raw = self.data.getlist("district") if hasattr(self.data, "getlist") else self.data.get("district") or []
        checked = {str(value) for value in (raw if isinstance(raw, list | tuple) else [raw])}
        districts = list(District.objects.all())
        return {
            "boxes": [(d, str(d.pk) in checked) for d in districts if not region or d.region_id == region],
            # JSON in a data- attribute (the CSP allows no inline <script>, not even data).
            "data": json.dumps([{"id": d.pk, "region": d.region_id, "name": d.name} for d in districts]),
        }

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

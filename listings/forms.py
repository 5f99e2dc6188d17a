from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from listings.models import Listing

MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 5 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.ImageField):
    """Several images in one input; each is validated as an image."""

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


class ListingForm(forms.ModelForm):
    photos = MultiplePhotoField(
        label=_("Фото"), required=False, widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
    )

    class Meta:
        model = Listing
        fields = [
            "title",
            "region",
            "district",
            "address",
            "rooms",
            "area",
            "floor",
            "floors_total",
            "price",
            "currency",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def clean(self) -> dict:
        data = super().clean() or {}
        floor, floors_total = data.get("floor"), data.get("floors_total")
        if floor and floors_total and floor > floors_total:
            self.add_error("floor", _("Этаж не может быть выше этажности дома."))
        return data

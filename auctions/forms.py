from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class AuctionCreateForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Начало"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Окончание"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    starting_price = forms.DecimalField(
        label=_("Стартовая цена, сум"), min_value=Decimal("1"), max_digits=14, decimal_places=0
    )
    bid_step = forms.DecimalField(label=_("Шаг ставки, сум"), min_value=Decimal("1"), max_digits=14, decimal_places=0)

    def clean(self) -> dict:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("Окончание должно быть позже начала."))
        return data


class BidForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Ваша ставка, сум"),
        min_value=Decimal("1"),
        max_digits=14,
        decimal_places=0,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )

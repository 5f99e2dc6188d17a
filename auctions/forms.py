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
    bid_step = forms.DecimalField(
        label=_("Шаг ставки, сум"),
        min_value=Decimal("1"),
        max_digits=14,
        decimal_places=0,
        required=False,
        help_text=_("Оставьте пустым — шаг составит около 0,5 % стартовой цены (круглая сумма)."),
    )
    reserve_price = forms.DecimalField(
        label=_("Резервная цена, сум (необязательно)"),
        min_value=Decimal("1"),
        max_digits=14,
        decimal_places=0,
        required=False,
        help_text=_("Скрыта от участников. Если торги не дойдут до неё, квартира не продаётся."),
    )
    buy_now_price = forms.DecimalField(
        label=_("Цена «купить сейчас», сум (необязательно)"),
        min_value=Decimal("1"),
        max_digits=14,
        decimal_places=0,
        required=False,
        help_text=_("Доступна до первой ставки."),
    )
    hard_ends_at = forms.DateTimeField(
        label=_("Крайний срок продлений (необязательно)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Ставка в последние минуты продлевает аукцион, но не дальше этого времени."),
    )

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
        required=False,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", "data-words": "amount"}),
    )
    max_amount = forms.DecimalField(
        label=_("Автоставка: мой максимум, сум (необязательно)"),
        min_value=Decimal("1"),
        max_digits=14,
        decimal_places=0,
        required=False,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", "data-words": "max"}),
        help_text=_("Система будет повышать вашу ставку на шаг, пока вы лидируете, но не выше максимума."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

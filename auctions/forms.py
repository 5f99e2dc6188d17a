from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


def soum_field(label: str, *, required: bool = True, **kwargs: object) -> forms.DecimalField:
    """A whole-soum amount (the services check the rules; this only parses)."""
    return forms.DecimalField(
        label=label, min_value=Decimal("1"), max_digits=14, decimal_places=0, required=required, **kwargs
    )


def local_time_field(label: str, **kwargs: object) -> forms.DateTimeField:
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(label=label, widget=widget, **kwargs)


class AuctionCreateForm(forms.Form):
    starts_at = local_time_field(_("Начало"))
    ends_at = local_time_field(_("Окончание"))
    starting_price = soum_field(_("Стартовая цена, сум"))
    bid_step = soum_field(
        _("Шаг ставки, сум"),
        required=False,
        help_text=_("Оставьте пустым — шаг составит около 0,5 % стартовой цены (круглая сумма)."),
    )
    reserve_price = soum_field(
        _("Резервная цена, сум (необязательно)"),
        required=False,
        help_text=_("Скрыта от участников. Если торги не дойдут до неё, квартира не продаётся."),
    )
    buy_now_price = soum_field(
        _("Цена «купить сейчас», сум (необязательно)"),
        required=False,
        help_text=_("Доступна до первой ставки."),
    )
    hard_ends_at = local_time_field(
        _("Крайний срок продлений (необязательно)"),
        required=False,
        help_text=_("Ставка в последние минуты продлевает аукцион, но не дальше этого времени."),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("Окончание должно быть позже начала."))
        return data


class BidForm(forms.Form):
    amount = soum_field(
        _("Ваша ставка, сум"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", "data-words": "amount"}),
    )
    max_amount = soum_field(
        _("Автоставка: мой максимум, сум (необязательно)"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", "data-words": "max"}),
        help_text=_(
            "Если другой участник перебьёт вашу ставку, система сама поднимет её на один шаг — "
            "и так каждый раз, пока не дойдёт до вашего максимума. Максимум другие участники не видят."
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

import re
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from clickuz.errors import ERROR_NOTES
from clickuz.models import ClickCallback
from clickuz.troubleshooting import CALLBACK_ERRORS


def format_ms(milliseconds: float | None) -> str:
    """33.50031700006184 -> '33,5 мс' (uz: '33,5 ms', en: '33.5 ms'): one decimal, the active language's way."""
    if milliseconds is None:
        return "—"
    value = number_format(round(milliseconds, 1), decimal_pos=1, use_l10n=True)
    # Translators: a time in milliseconds, "33,5 мс".
    return gettext("%(value)s мс") % {"value": value}


class ErrorCodeFilter(admin.SimpleListFilter):
    """By Click error code, with its note; "any error" groups every non-zero answer."""

    title = _("код ошибки")
    parameter_name = "error_code"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("errors", str(_("любая ошибка")))] + [
            (str(int(code)), f"{int(code)} {note}") for code, note in ERROR_NOTES.items()
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ClickCallback]) -> QuerySet[ClickCallback]:
        value = self.value()
        if value == "errors":
            return queryset.exclude(error=0).exclude(error__isnull=True)
        if value and re.fullmatch(r"-?[0-9]{1,9}", value):  # not "²", "--5" or 5 000 digits (int() raised)
            return queryset.filter(error=int(value))
        return queryset


class RecentFilter(admin.SimpleListFilter):
    title = _("получен за")
    parameter_name = "within"
    WINDOWS = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1), "24h": timedelta(hours=24)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("15m", str(_("15 минут"))), ("1h", str(_("час"))), ("24h", str(_("сутки")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ClickCallback]) -> QuerySet[ClickCallback]:
        window = self.WINDOWS.get(self.value() or "")
        return queryset.filter(created_at__gte=timezone.now() - window) if window else queryset


@admin.register(ClickCallback)
class ClickCallbackAdmin(admin.ModelAdmin):
    """The raw callback log: read-only, it is evidence."""

    list_display = [
        "created_at",
        "stage",
        "merchant_trans_id",
        "error",
        "error_note",
        "detail",
        "remote_addr",
        "body_bytes",
        "duration",
        "is_probe",
    ]
    # "is_probe": the operator's own test requests (click_doctor), not Click's traffic.
    list_filter = [ErrorCodeFilter, RecentFilter, "is_probe", "stage", "body_truncated", "created_at"]
    search_fields = ["merchant_trans_id", "click_trans_id", "remote_addr"]
    date_hierarchy = "created_at"
    # The time is shown rounded ("33,5 мс"), not as the stored float.
    readonly_fields = (
        *[("duration" if f.name == "duration_ms" else f.name) for f in ClickCallback._meta.fields if f.name != "id"],
        "error_note",
        "explanation",
    )
    fields = readonly_fields

    @admin.display(description=_("время ответа"), ordering="duration_ms")
    def duration(self, obj: ClickCallback) -> str:
        return format_ms(obj.duration_ms)

    @admin.display(description=_("что это значит"))
    def explanation(self, obj: ClickCallback) -> str:
        help_ = CALLBACK_ERRORS.get(obj.error) if obj.error is not None else None
        if help_ is None:
            return "—"
        # The notes are written in Russian and English (the operator's doctor prints both).
        if get_language() == "en":
            return f"{help_.en}. {help_.fix_en}".strip(". ") if help_.fix_en else help_.en
        return f"{help_.ru}. {help_.fix_ru}".strip(". ") if help_.fix_ru else help_.ru

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

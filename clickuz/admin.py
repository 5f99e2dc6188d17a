from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clickuz.errors import ERROR_NOTES
from clickuz.models import ClickCallback
from clickuz.troubleshooting import CALLBACK_ERRORS


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
        if value and value.lstrip("-").isdigit():
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
        "is_probe",
    ]
    # "is_probe": the operator's own test requests (click_doctor), not Click's traffic.
    list_filter = [ErrorCodeFilter, RecentFilter, "is_probe", "stage", "body_truncated", "created_at"]
    search_fields = ["merchant_trans_id", "click_trans_id", "remote_addr"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ClickCallback._meta.fields] + ["error_note", "explanation"]

    @admin.display(description=_("что это значит"))
    def explanation(self, obj: ClickCallback) -> str:
        help_ = CALLBACK_ERRORS.get(obj.error) if obj.error is not None else None
        if help_ is None:
            return "—"
        return f"{help_.ru}. {help_.fix_ru}".strip(". ") if help_.fix_ru else help_.ru

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

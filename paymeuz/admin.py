from django.contrib import admin
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from paymeuz.models import PaymeCall, PaymeKeyChange


def format_ms(milliseconds: float | None) -> str:
    """33.50031700006184 -> '33,5 мс' (uz: '33,5 ms', en: '33.5 ms'): one decimal, the active language's way."""
    if milliseconds is None:
        return "—"
    value = number_format(round(milliseconds, 1), decimal_pos=1, use_l10n=True)
    # Translators: a time in milliseconds, "33,5 мс".
    return gettext("%(value)s мс") % {"value": value}


@admin.register(PaymeCall)
class PaymeCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "payme_id", "order_id", "error", "detail", "duration", "is_probe"]
    list_filter = ["method", "error", "is_probe", "created_at"]
    search_fields = ["payme_id", "order_id"]
    date_hierarchy = "created_at"
    # The time is shown rounded ("33,5 мс"), not as the stored float.
    readonly_fields = tuple(
        ("duration" if f.name == "duration_ms" else f.name) for f in PaymeCall._meta.fields if f.name != "id"
    )
    fields = readonly_fields

    @admin.display(description=_("время ответа"), ordering="duration_ms")
    def duration(self, obj: PaymeCall) -> str:
        return format_ms(obj.duration_ms)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PaymeKeyChange)
class PaymeKeyChangeAdmin(admin.ModelAdmin):
    list_display = ["replaces", "changed_at"]
    exclude = ["key"]  # a secret: never shown
    readonly_fields = ["replaces", "changed_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

from django.contrib import admin

from paymeuz.models import PaymeCall, PaymeKeyChange


@admin.register(PaymeCall)
class PaymeCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "method", "payme_id", "order_id", "error", "detail", "duration_ms", "is_probe"]
    list_filter = ["method", "error", "is_probe", "created_at"]
    search_fields = ["payme_id", "order_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in PaymeCall._meta.fields]

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

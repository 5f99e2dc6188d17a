from django.contrib import admin
from django.http import HttpRequest

from clickuz.models import ClickCallback


@admin.register(ClickCallback)
class ClickCallbackAdmin(admin.ModelAdmin):
    """The raw callback log: read-only, it is evidence."""

    list_display = ["created_at", "stage", "merchant_trans_id", "error", "error_note", "detail", "remote_addr"]
    list_filter = ["stage", "error", "created_at"]
    search_fields = ["merchant_trans_id", "click_trans_id", "remote_addr"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ClickCallback._meta.fields] + ["error_note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClickCallback | None = None) -> bool:
        return False

from django.contrib import admin

from notifications.models import NotificationPreference, TelegramLink


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "telegram_enabled", "sms_enabled", "updated_at"]
    search_fields = ["user__phone"]
    raw_id_fields = ["user"]


@admin.register(TelegramLink)
class TelegramLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "chat_id", "linked_at"]
    search_fields = ["user__phone"]
    readonly_fields = ["token", "chat_id", "linked_at"]
    raw_id_fields = ["user"]

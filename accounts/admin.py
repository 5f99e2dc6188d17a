from typing import Any

from axes.admin import AccessAttemptAdmin  # registers axes' admins: ours replaces one below
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import PhoneCode, User
from accounts.phone import phone_mask


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["phone", "first_name", "last_name", "is_staff", "is_active", "phone_verified_at", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("phone_verified_at", admin.EmptyFieldListFilter)]
    # Set only by an SMS code typed by the number's holder (accounts.services), never by hand.
    readonly_fields = ["phone_verified_at"]
    search_fields = ["phone", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Личные данные"), {"fields": ("first_name", "last_name", "email")}),
        (_("Права"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Даты"), {"fields": ("last_login", "date_joined", "phone_verified_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "password1", "password2")}),)


@admin.register(PhoneCode)
class PhoneCodeAdmin(admin.ModelAdmin):
    """Sign-in codes, for support: when sent, how many attempts, used or not (the code itself is never stored)."""

    list_display = ["id", "masked", "created_at", "expires_at", "attempts", "used_at"]
    fields = ["phone", "created_at", "expires_at", "attempts", "used_at"]
    readonly_fields = fields
    search_fields = ["phone"]
    date_hierarchy = "created_at"

    @admin.display(description=_("телефон"))
    def masked(self, obj: PhoneCode) -> str:
        return phone_mask(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PhoneCode | None = None) -> bool:
        return False


class AccessAttemptCleanupAdmin(AccessAttemptAdmin):
    """django-axes' admin, with its "Clean up expired attempts" action working: axes reads the time of
    the attempt from the request, which it sets only while somebody signs in (an AttributeError, a
    500, for every click on the action in django-axes 8.3.1). None means "now" to axes."""

    @admin.action(description=_("Удалить устаревшие попытки входа"))
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: Any) -> None:
        request.axes_attempt_time = None  # type: ignore[attr-defined]
        super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptCleanupAdmin)

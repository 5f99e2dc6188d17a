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

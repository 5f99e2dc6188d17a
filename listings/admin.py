from django.contrib import admin

from listings.models import Listing, ListingPhoto


class ListingPhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "region", "district", "rooms", "area", "price", "currency", "seller", "created_at"]
    list_filter = ["region", "rooms", "currency", "created_at"]
    search_fields = ["title", "address", "district", "seller__phone"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller"]
    inlines = [ListingPhotoInline]
    date_hierarchy = "created_at"


@admin.register(ListingPhoto)
class ListingPhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "listing", "position", "image"]
    search_fields = ["listing__title"]
    raw_id_fields = ["listing"]

"""Existing listings: district text -> District row, prices in soums, published (they were public)."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    Listing = apps.get_model("listings", "Listing")
    District = apps.get_model("listings", "District")
    by_name = {d.name_ru.lower(): d.pk for d in District.objects.all()}
    rate = Decimal(str(getattr(settings, "USD_UZS_RATE", "12800")))
    for listing in Listing.objects.all().iterator():
        name = (listing.district_name or "").strip()
        listing.district_id = by_name.get(name.lower())
        if listing.district_id is None and name:
            listing.address = f"{name}, {listing.address}"[:200]  # keep what the seller typed
        price_uzs = listing.price * rate if listing.currency == "USD" else listing.price
        listing.price_uzs = price_uzs
        listing.price_per_m2_uzs = (price_uzs / listing.area).quantize(Decimal("1")) if listing.area else None
        listing.status = "published"
        listing.published_at = listing.created_at
        listing.save(
            update_fields=["district_id", "address", "price_uzs", "price_per_m2_uzs", "status", "published_at"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0004_listing_apartment_fields"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

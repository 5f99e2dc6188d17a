from django.db import migrations, models


class Migration(migrations.Migration):
    """Auction.listing_created_at: added empty, filled from each auction's listing, then required;
    and the index search reads the running auctions from in the listings' newest order."""

    dependencies = [
        ("auctions", "0006_perf_search_auction_end_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="auction",
            name="listing_created_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="объявление создано"),
        ),
        migrations.RunSQL(
            "UPDATE auctions_auction SET listing_created_at ="
            " (SELECT l.created_at FROM listings_listing l WHERE l.id = auctions_auction.listing_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="auction",
            name="listing_created_at",
            field=models.DateTimeField(editable=False, verbose_name="объявление создано"),
        ),
        migrations.AddIndex(
            model_name="auction",
            index=models.Index(
                models.F("listing_created_at").desc(),
                models.F("listing_id").desc(),
                models.F("ends_at"),
                models.F("starts_at"),
                condition=models.Q(("is_paid", True), ("status__in", ("scheduled", "active"))),
                name="auction_running_newest",
            ),
        ),
    ]

"""PostgreSQL full-text index for search (listings.selectors.SEARCH_DOCUMENT_SQL); SQLite has none."""

from django.db import migrations

INDEX = "listing_search_document"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON listings_listing USING GIN ("
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(address, '') || ' ' || "
    "coalesce(description, '')))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0006_listing_favorites_and_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]

"""Ship Uzbekistan's regions and districts (listings/data/uzbekistan.json) as data."""

from django.db import migrations

from listings.geo import geo_load


def load(apps, schema_editor):
    geo_load(apps.get_model("listings", "Region"), apps.get_model("listings", "District"))


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_region_district"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Region",
            fields=[
                ("name_ru", models.CharField(max_length=80, verbose_name="название (рус.)")),
                ("name_uz", models.CharField(max_length=80, verbose_name="название (узб.)")),
                ("name_en", models.CharField(max_length=80, verbose_name="название (англ.)")),
                ("code", models.CharField(max_length=32, primary_key=True, serialize=False, verbose_name="код")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="порядок")),
            ],
            options={"verbose_name": "регион", "verbose_name_plural": "регионы", "ordering": ["position", "code"]},
        ),
        migrations.CreateModel(
            name="District",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name_ru", models.CharField(max_length=80, verbose_name="название (рус.)")),
                ("name_uz", models.CharField(max_length=80, verbose_name="название (узб.)")),
                ("name_en", models.CharField(max_length=80, verbose_name="название (англ.)")),
                ("slug", models.SlugField(max_length=40, unique=True, verbose_name="код")),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="districts",
                        to="listings.region",
                        verbose_name="регион",
                    ),
                ),
            ],
            options={
                "verbose_name": "район",
                "verbose_name_plural": "районы",
                "ordering": ["region__position", "name_ru"],
            },
        ),
    ]

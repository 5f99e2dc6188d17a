import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0003_load_uzbekistan_regions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="listing", old_name="district", new_name="district_name"),
        migrations.AlterField(
            model_name="listing",
            name="district_name",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AlterField(
            model_name="listing",
            name="region",
            field=models.ForeignKey(
                default="tashkent_city",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="listings",
                to="listings.region",
                verbose_name="регион",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="listings",
                to="listings.district",
                verbose_name="район",
            ),
        ),
        migrations.AddField(
            model_name='listing',
            name='amenities',
            field=models.JSONField(blank=True, default=list, verbose_name='удобства'),
        ),
        migrations.AddField(
            model_name='listing',
            name='building_type',
            field=models.CharField(blank=True, choices=[('panel', 'Панельный'), ('brick', 'Кирпичный'), ('monolith', 'Монолитный'), ('block', 'Блочный'), ('other', 'Другой')], max_length=16, verbose_name='тип дома'),
        ),
        migrations.AddField(
            model_name='listing',
            name='kitchen_area',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, validators=[django.core.validators.MinValueValidator(Decimal('1'))], verbose_name='площадь кухни, м²'),
        ),
        migrations.AddField(
            model_name='listing',
            name='latitude',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('37')), django.core.validators.MaxValueValidator(Decimal('46'))], verbose_name='широта'),
        ),
        migrations.AddField(
            model_name='listing',
            name='living_area',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=7, null=True, validators=[django.core.validators.MinValueValidator(Decimal('1'))], verbose_name='жилая площадь, м²'),
        ),
        migrations.AddField(
            model_name='listing',
            name='longitude',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, validators=[django.core.validators.MinValueValidator(Decimal('55')), django.core.validators.MaxValueValidator(Decimal('74'))], verbose_name='долгота'),
        ),
        migrations.AddField(
            model_name='listing',
            name='market',
            field=models.CharField(choices=[('resale', 'Вторичка'), ('new', 'Новостройка')], default='resale', max_length=8, verbose_name='рынок'),
        ),
        migrations.AddField(
            model_name='listing',
            name='price_per_m2_uzs',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='цена за м² в сумах'),
        ),
        migrations.AddField(
            model_name='listing',
            name='price_uzs',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=18, null=True, verbose_name='цена в сумах'),
        ),
        migrations.AddField(
            model_name='listing',
            name='published_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='опубликовано'),
        ),
        migrations.AddField(
            model_name='listing',
            name='rejection_reason',
            field=models.TextField(blank=True, verbose_name='причина отклонения'),
        ),
        migrations.AddField(
            model_name='listing',
            name='renovation',
            field=models.CharField(blank=True, choices=[('none', 'Без ремонта'), ('shell', 'Коробка'), ('cosmetic', 'Косметический'), ('euro', 'Евроремонт'), ('designer', 'Дизайнерский')], max_length=16, verbose_name='ремонт'),
        ),
        migrations.AddField(
            model_name='listing',
            name='status',
            field=models.CharField(choices=[('draft', 'Черновик'), ('review', 'На проверке'), ('published', 'Опубликовано'), ('rejected', 'Отклонено')], db_index=True, default='draft', max_length=16, verbose_name='статус'),
        ),
        migrations.AddField(
            model_name='listing',
            name='submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='отправлено на проверку'),
        ),
        migrations.AddField(
            model_name='listing',
            name='views_count',
            field=models.PositiveIntegerField(default=0, verbose_name='просмотров'),
        ),
        migrations.AddField(
            model_name='listing',
            name='year_built',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1900), django.core.validators.MaxValueValidator(2035)], verbose_name='год постройки'),
        ),
        migrations.AddField(
            model_name='listingphoto',
            name='thumbnail',
            field=models.ImageField(blank=True, upload_to='listings/thumbs/%Y/%m/', verbose_name='миниатюра'),
        ),
        migrations.AlterField(
            model_name='listing',
            name='area',
            field=models.DecimalField(decimal_places=2, max_digits=7, validators=[django.core.validators.MinValueValidator(Decimal('5'))], verbose_name='общая площадь, м²'),
        ),
        migrations.AlterField(
            model_name='listing',
            name='rooms',
            field=models.PositiveSmallIntegerField(help_text='0 — студия.', validators=[django.core.validators.MaxValueValidator(20)], verbose_name='комнат'),
        ),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("Объявления")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from listings.models import District, Region
        from listings.search_form_cache import geo_version_bump

        for model in (Region, District):
            post_save.connect(geo_version_bump, sender=model, dispatch_uid=f"geo-version-{model.__name__}-save")
            post_delete.connect(geo_version_bump, sender=model, dispatch_uid=f"geo-version-{model.__name__}-delete")

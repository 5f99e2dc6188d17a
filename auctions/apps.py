from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Аукционы")

    def ready(self) -> None:
        from auctions.effects import listing_hidden_connect
        from auctions.home_cache import home_cache_connect

        home_cache_connect()
        listing_hidden_connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("Сбор за аукцион")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auctions.lifecycle import auction_fee_hooks_register
        from fees.services import FeeAuctionHooks

        # Cancelling an auction settles its fee in the same transaction (payments locked first).
        auction_fee_hooks_register(FeeAuctionHooks())

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesClickConfig(AppConfig):
    name = "fees_click"
    verbose_name = _("Сбор через Click")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auctions.views import auction_checkout_register
        from fees.gateways import gateway_register
        from fees.models import Gateway
        from fees_click.services import ClickRefunds
        from fees_click.views import fee_checkout

        gateway_register(Gateway.CLICK, ClickRefunds())
        # "Create auction" goes on to Click's pay page in one step.
        auction_checkout_register(fee_checkout)

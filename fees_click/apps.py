from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesClickConfig(AppConfig):
    name = "fees_click"
    verbose_name = _("Сбор через Click")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fees.gateways import gateway_register
        from fees.models import Gateway
        from fees_click.services import ClickRefunds

        gateway_register(Gateway.CLICK, ClickRefunds())

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesPaymeConfig(AppConfig):
    name = "fees_payme"
    verbose_name = _("Сбор через Payme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fees.gateways import gateway_register
        from fees.models import Gateway
        from fees_payme.refunds import PaymeRefunds

        gateway_register(Gateway.PAYME, PaymeRefunds())

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymeuzConfig(AppConfig):
    name = "paymeuz"
    verbose_name = _("Payme")
    default_auto_field = "django.db.models.BigAutoField"

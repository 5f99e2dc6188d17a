from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("Сбор за аукцион")
    default_auto_field = "django.db.models.BigAutoField"

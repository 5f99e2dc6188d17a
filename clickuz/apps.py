from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClickuzConfig(AppConfig):
    name = "clickuz"
    verbose_name = _("Click")

from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from core.ratelimit import rate_limits_check

        checks.register(rate_limits_check)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Пользователи")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from accounts.lockout import number_failure_record, number_failures_reset

        user_login_failed.connect(number_failure_record, dispatch_uid="accounts.number_failure_record")
        user_logged_in.connect(number_failures_reset, dispatch_uid="accounts.number_failures_reset")

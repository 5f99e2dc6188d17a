from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.core.signals import got_request_exception
        from django.db.backends.signals import connection_created

        from core.errors import database_error_mark
        from core.memory import malloc_large_blocks_mmapped
        from core.ratelimit import rate_limits_check
        from core.sqlite import sqlite_functions_register

        checks.register(rate_limits_check)
        connection_created.connect(sqlite_functions_register, dispatch_uid="core.sqlite_functions_register")
        got_request_exception.connect(database_error_mark, dispatch_uid="core.database_error_mark")
        malloc_large_blocks_mmapped()  # photo bitmaps go back to the system when freed (core/memory.py)

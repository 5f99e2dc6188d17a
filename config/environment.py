"""The settings' reader of the environment: django-environ, except that a value is taken as written.

django-environ reads a value that starts with "$" as the name of another variable (a "proxy"):
PAYME_KEY=$abc would become the value of `abc`, usually nothing. Keys and secrets are random text
and may start with "$" (Django's own get_random_secret_key() may give one), so here they do not.
"""

from typing import Any

import environ


class Env(environ.Env):
    def get_value(
        self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET, parse_default: bool = False
    ) -> Any:
        raw = self.ENVIRON.get(f"{self.prefix}{var}")
        if isinstance(raw, str) and raw.startswith("$"):
            return raw if cast in (None, str) else self.parse_value(raw, cast)
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)

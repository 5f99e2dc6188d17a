"""DRF's TokenAuthentication with its lookup written out (core.rows): every API request with a
token runs it, and compiling the ORM's query cost more CPU (~0.5 ms) than running it."""

import re
from functools import cache

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User
from core.rows import ModelColumns

_TOKEN = ModelColumns(Token, "t")
_USER = ModelColumns(User, "u")


@cache
def _token_with_user_sql() -> str:
    # Names come from the models, the key is a parameter (S608); the text is built once.
    return (
        f"SELECT {_TOKEN.select_list()}, {_USER.select_list()} FROM {_TOKEN.table()} "  # noqa: S608
        f"JOIN {_USER.table()} ON {_USER.column('id')} = {_TOKEN.column('user')} WHERE {_TOKEN.column('key')} = %s"
    )


TOKEN_KEY = re.compile(r"[0-9a-f]{40}")


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, answered as DRF answers it (the same errors and messages)."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if not TOKEN_KEY.fullmatch(key):  # DRF's keys are 40 hex digits; a NUL was a DataError on PostgreSQL
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        with connection.cursor() as cursor:
            cursor.execute(_token_with_user_sql(), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = _TOKEN.build(row[: len(_TOKEN)])
        token.user = user = _USER.build(row[len(_TOKEN) :])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
